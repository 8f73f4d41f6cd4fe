#include "api/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace imgsync::api {
namespace {

constexpr std::size_t kMaxBody = 1 << 20;

// One request as it arrives: libmicrohttpd calls the handler once for the head, then once per
// chunk of body, then once more when the body is complete.
struct PendingRequest {
  std::string body;
  bool too_large = false;
};

MHD_Result collect_parameter(void* target, MHD_ValueKind, const char* name, const char* value) {
  (*static_cast<QueryParameters*>(target))[name] = value == nullptr ? "" : value;
  return MHD_YES;
}

MHD_Result send(MHD_Connection* connection, int status, const std::string& content_type,
                const std::string& body, const char* allow_headers = nullptr) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  if (!content_type.empty())
    MHD_add_response_header(response, "Content-Type", content_type.c_str());
  MHD_add_response_header(response, "Access-Control-Allow-Origin", "*");
  if (allow_headers != nullptr) {
    MHD_add_response_header(response, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
    MHD_add_response_header(response, "Access-Control-Allow-Headers", allow_headers);
    MHD_add_response_header(response, "Access-Control-Max-Age", "86400");
  }
  const MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(status), response);
  MHD_destroy_response(response);
  return queued;
}

std::string base_url(const HttpServer& server, MHD_Connection* connection) {
  if (!server.base_url().empty()) return server.base_url();
  const char* host = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Host");
  return std::string("http://") + (host != nullptr ? host : "localhost");
}

MHD_Result answer(void* context, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char* upload_data, std::size_t* upload_data_size,
                  void** request_state) {
  const auto& server = *static_cast<const HttpServer*>(context);
  if (*request_state == nullptr) {  // the head: body chunks follow
    *request_state = new PendingRequest();
    return MHD_YES;
  }
  auto* pending = static_cast<PendingRequest*>(*request_state);
  if (*upload_data_size != 0) {
    if (pending->body.size() + *upload_data_size > kMaxBody) {
      pending->too_large = true;
    } else {
      pending->body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (pending->too_large) {
    const ApiResponse refused = error_response(
        413, "PayloadTooLarge", fmt::format("the request body exceeds {} bytes", kMaxBody));
    return send(connection, refused.status, refused.content_type, refused.body);
  }
  if (std::strcmp(method, "OPTIONS") == 0) {  // CORS preflight
    const char* asked =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Access-Control-Request-Headers");
    return send(connection, 204, "", "", asked != nullptr ? asked : "Content-Type");
  }
  ApiRequest request{.method = method,
                     .path = url,
                     .parameters = {},
                     .body = std::move(pending->body),
                     .base_url = base_url(server, connection)};
  MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_parameter,
                            &request.parameters);
  ApiResponse response;
  try {
    response = server.handler()(request);
  } catch (const std::exception& error) {  // a bug must not take the server down
    response = error_response(500, "ServerError", error.what());
  }
  return send(connection, response.status, response.content_type, response.body);
}

void completed(void*, MHD_Connection*, void** request_state, MHD_RequestTerminationCode) {
  delete static_cast<PendingRequest*>(*request_state);
  *request_state = nullptr;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options,
                                                      RequestHandler handler) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options.address.port);
  if (inet_pton(AF_INET, options.address.host.c_str(), &address.sin_addr) != 1) {
    return make_error(ErrorCategory::kInvalidInput,
                      "--listen " + options.address.to_string() + ": not an IPv4 address");
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler), options.base_url));
  errno = 0;
  server->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY, options.address.port, nullptr,
      nullptr, &answer, server.get(), MHD_OPTION_SOCK_ADDR, &address, MHD_OPTION_THREAD_POOL_SIZE,
      static_cast<unsigned>(std::max(1, options.threads)), MHD_OPTION_NOTIFY_COMPLETED, &completed,
      nullptr, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    const int error = errno;
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("cannot listen on {}: {}{}", options.address.to_string(),
                    error != 0 ? std::strerror(error) : "the server did not start",
                    error == EADDRINUSE ? "; another program has the port, choose another" : ""));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : options.address.port;
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace imgsync::api
