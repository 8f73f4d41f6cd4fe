#include "s3/http_engine.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "s3/transport_error.h"

namespace imgsync::s3 {

void append_header_line(HttpResponse& response, std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    response.headers.clear();
    return;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  response.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
}

std::string find_header_value(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& entry : headers) {
    if (entry.name.size() == name.size() &&
        strncasecmp(entry.name.data(), name.data(), name.size()) == 0) {
      return entry.value;
    }
  }
  return {};
}

namespace {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

}  // namespace

// One transfer in flight: owns everything curl's callbacks touch.
struct Transfer {
  HttpRequest request;
  HttpEngine::Callback callback;
  HttpResponse response;
  CurlEasy easy;
  curl_slist* header_list = nullptr;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::uint64_t body_position = 0;  // bytes of the body handed to curl so far
  int body_fd = -1;
  int download_fd = -1;
  std::string local_error;  // set by callbacks that fail on local I/O

  ~Transfer() {
    curl_slist_free_all(header_list);
    if (body_fd >= 0) ::close(body_fd);
    if (download_fd >= 0) ::close(download_fd);
  }
};

namespace {

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::uint64_t total = transfer->request.body_size();
  const std::uint64_t left = total - transfer->body_position;
  const size_t want = static_cast<size_t>(std::min<std::uint64_t>(left, size * count));
  if (want == 0) return 0;
  if (!transfer->request.body_file) {
    std::memcpy(buffer, transfer->request.body.data() + transfer->body_position, want);
    transfer->body_position += want;
    return want;
  }
  const auto& range = *transfer->request.body_file;
  ssize_t got;
  do {
    got = ::pread(transfer->body_fd, buffer, want,
                  static_cast<off_t>(range.offset + transfer->body_position));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    transfer->local_error =
        got < 0 ? fmt::format("cannot read {}: {}", range.path.string(), std::strerror(errno))
                : fmt::format("{} became shorter while it was being uploaded", range.path.string());
    return CURL_READFUNC_ABORT;
  }
  transfer->body_position += static_cast<std::uint64_t>(got);
  return static_cast<size_t>(got);
}

int seek_body(void* user, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::uint64_t>(offset) > transfer->request.body_size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->body_position = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (transfer->request.download_to && status >= 200 && status < 300) {
    if (transfer->download_fd < 0) {
      transfer->download_fd = ::open(transfer->request.download_to->c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (transfer->download_fd < 0) {
        transfer->local_error = fmt::format(
            "cannot write {}: {}", transfer->request.download_to->string(), std::strerror(errno));
        return 0;
      }
    }
    size_t written = 0;
    while (written < bytes) {
      const ssize_t n = ::write(transfer->download_fd, data + written, bytes - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        transfer->local_error = fmt::format(
            "cannot write {}: {}", transfer->request.download_to->string(), std::strerror(errno));
        return 0;
      }
      written += static_cast<size_t>(n);
    }
    return bytes;
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

size_t receive_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  append_header_line(transfer->response, std::string_view(data, bytes));
  return bytes;
}

}  // namespace

struct HttpEngine::Impl {
  HttpEngineOptions options;
  CURLM* multi = nullptr;
  std::vector<CurlEasy> idle_handles;
  std::deque<std::unique_ptr<Transfer>> pending;
  std::map<CURL*, std::unique_ptr<Transfer>> active;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers;
  std::size_t holds = 0;  // this thread's count; see hold()
  std::mutex posted_mutex;
  std::vector<std::function<void()>> posted;  // guarded by posted_mutex

  void run_posted() {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(posted_mutex);
      ready.swap(posted);
    }
    for (auto& action : ready) {
      --holds;
      action();
    }
  }

  CurlEasy take_handle() {
    if (!idle_handles.empty()) {
      CurlEasy handle = std::move(idle_handles.back());
      idle_handles.pop_back();
      curl_easy_reset(handle.get());
      return handle;
    }
    return CurlEasy(curl_easy_init());
  }

  // Configure curl for one transfer; an Error when the body file cannot be opened.
  Status prepare(Transfer& transfer) {
    const HttpRequest& request = transfer.request;
    if (request.body_file) {
      transfer.body_fd = ::open(request.body_file->path.c_str(), O_RDONLY | O_CLOEXEC);
      if (transfer.body_fd < 0) {
        return make_error(ErrorCategory::kLocalIo,
                          fmt::format("cannot open {}: {}", request.body_file->path.string(),
                                      std::strerror(errno)));
      }
    }
    transfer.easy = take_handle();
    CURL* easy = transfer.easy.get();
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    // Keys may hold "/../" or "/./": send them as signed, never normalised.
    curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_buffer);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options.low_speed_time.count()));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
    if (!options.ca_bundle.empty())
      curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_bundle.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, receive_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);

    const auto body_size = static_cast<curl_off_t>(request.body_size());
    if (request.head || request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, body_size);
    } else if (request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
    } else if (request.method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(easy, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, seek_body);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, &transfer);

    bool has_content_type = false;
    for (const auto& header : request.headers) {
      if (strcasecmp(header.name.c_str(), "content-type") == 0) has_content_type = true;
      const std::string line =
          header.value.empty() ? header.name + ";" : header.name + ": " + header.value;
      transfer.header_list = curl_slist_append(transfer.header_list, line.c_str());
    }
    // curl would otherwise add headers we did not sign or do not want.
    if (!has_content_type)
      transfer.header_list = curl_slist_append(transfer.header_list, "Content-Type:");
    transfer.header_list = curl_slist_append(transfer.header_list, "Accept:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.header_list);
    return {};
  }

  void start_pending() {
    while (!pending.empty() && static_cast<int>(active.size()) < options.max_connections) {
      std::unique_ptr<Transfer> transfer = std::move(pending.front());
      pending.pop_front();
      Status prepared = prepare(*transfer);
      if (!prepared.ok()) {
        auto callback = std::move(transfer->callback);
        callback(prepared.error());
        continue;
      }
      CURL* easy = transfer->easy.get();
      curl_multi_add_handle(multi, easy);
      active.emplace(easy, std::move(transfer));
    }
  }

  void finish(CURL* easy, CURLcode code) {
    auto node = active.extract(easy);
    curl_multi_remove_handle(multi, easy);
    std::unique_ptr<Transfer> transfer = std::move(node.mapped());
    Result<HttpResponse> result = [&]() -> Result<HttpResponse> {
      if (!transfer->local_error.empty()) {
        return make_error(ErrorCategory::kLocalIo, transfer->local_error);
      }
      if (code != CURLE_OK)
        return transport_error(code, transfer->error_buffer, transfer->request.url);
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer->response.status);
      return std::move(transfer->response);
    }();
    if (transfer->download_fd >= 0) {
      ::close(transfer->download_fd);
      transfer->download_fd = -1;
    }
    idle_handles.push_back(std::move(transfer->easy));
    auto callback = std::move(transfer->callback);
    transfer.reset();
    callback(std::move(result));
  }

  void fire_due_timers() {
    const auto now = std::chrono::steady_clock::now();
    while (!timers.empty() && timers.begin()->first <= now) {
      auto action = std::move(timers.begin()->second);
      timers.erase(timers.begin());
      action();
    }
  }

  bool idle() const { return pending.empty() && active.empty() && timers.empty() && holds == 0; }
};

HttpEngine::HttpEngine(HttpEngineOptions options) : impl_(std::make_unique<Impl>()) {
  ensure_curl_initialised();
  if (options.max_connections < 1) options.max_connections = 1;
  impl_->options = std::move(options);
  impl_->multi = curl_multi_init();
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(impl_->options.max_connections));
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(impl_->options.max_connections));
}

HttpEngine::~HttpEngine() {
  for (auto& [easy, transfer] : impl_->active) curl_multi_remove_handle(impl_->multi, easy);
  impl_->active.clear();
  impl_->idle_handles.clear();
  curl_multi_cleanup(impl_->multi);
}

void HttpEngine::submit(HttpRequest request, Callback callback) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->callback = std::move(callback);
  impl_->pending.push_back(std::move(transfer));
}

void HttpEngine::schedule(std::chrono::milliseconds delay, std::function<void()> action) {
  impl_->timers.emplace(std::chrono::steady_clock::now() + delay, std::move(action));
}

void HttpEngine::hold() {
  ++impl_->holds;
}

void HttpEngine::post(std::function<void()> action) {
  {
    std::lock_guard lock(impl_->posted_mutex);
    impl_->posted.push_back(std::move(action));
  }
  curl_multi_wakeup(impl_->multi);
}

std::size_t HttpEngine::holds() const {
  return impl_->holds;
}

void HttpEngine::run() {
  run_until([] { return false; });
}

void HttpEngine::run_until(const std::function<bool()>& done) {
  Impl& impl = *impl_;
  while (!done()) {
    impl.run_posted();
    impl.fire_due_timers();
    impl.start_pending();
    if (done() || impl.idle()) return;
    int running = 0;
    curl_multi_perform(impl.multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(impl.multi, &queued)) {
      if (message->msg == CURLMSG_DONE) impl.finish(message->easy_handle, message->data.result);
    }
    if (done()) return;
    if (!impl.pending.empty() &&
        static_cast<int>(impl.active.size()) < impl.options.max_connections) {
      continue;  // callbacks queued more work and there is room: start it now
    }
    int timeout_ms = 1000;
    if (!impl.timers.empty()) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          impl.timers.begin()->first - std::chrono::steady_clock::now());
      timeout_ms = static_cast<int>(std::clamp<long long>(wait.count(), 0, 1000));
    }
    if (!impl.active.empty() || timeout_ms > 0) {
      curl_multi_poll(impl.multi, nullptr, 0, timeout_ms, nullptr);  // post() wakes it
    }
  }
}

Result<HttpResponse> HttpEngine::perform(HttpRequest request) {
  std::optional<Result<HttpResponse>> outcome;
  submit(std::move(request),
         [&outcome](Result<HttpResponse> result) { outcome = std::move(result); });
  run_until([&outcome] { return outcome.has_value(); });
  return std::move(*outcome);
}

std::size_t HttpEngine::in_flight() const {
  return impl_->pending.size() + impl_->active.size() + impl_->holds;
}

}  // namespace imgsync::s3
