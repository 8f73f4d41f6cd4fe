// The HTTP side of `imgsync serve`: libmicrohttpd with a pool of threads, each request handed to
// a handler as an ApiRequest. Cross-origin requests are allowed from anywhere (the API is read
// only): every response carries Access-Control-Allow-Origin: *, and an OPTIONS preflight is
// answered 204 with the allowed methods and headers. Request bodies above 1 MiB are refused
// with 413.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/stac_api.h"
#include "config/listen_address.h"
#include "util/result.h"

struct MHD_Daemon;

namespace imgsync::api {

using RequestHandler = std::function<ApiResponse(const ApiRequest&)>;

struct HttpServerOptions {
  config::ListenAddress address;  // port 0: any free port (see port())
  int threads = 8;
  // "https://stac.example.org" when behind a proxy; else "http://" + the request's Host.
  std::string base_url;
};

class HttpServer {
 public:
  // Serves until destroyed. kInvalidInput when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options,
                                                   RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return port_; }

  // For libmicrohttpd's callbacks.
  const RequestHandler& handler() const { return handler_; }
  const std::string& base_url() const { return base_url_; }

 private:
  HttpServer(RequestHandler handler, std::string base_url)
      : handler_(std::move(handler)), base_url_(std::move(base_url)) {}

  RequestHandler handler_;
  std::string base_url_;
  MHD_Daemon* daemon_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace imgsync::api
