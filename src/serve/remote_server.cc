// fheq::RemoteServer (include/fheq/serve.h): the client side of fheq serve, on cpp-httplib.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "fheq/error.h"
#include "fheq/serve.h"
#include "serve/key_id.h"

namespace fheq {
namespace {

// An evaluation of a large network takes minutes: the client waits as long as the server computes.
constexpr time_t kReplyTimeoutSeconds = 3600;

std::string first_line(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  constexpr char kPrefix[] = "error: ";
  if (line.rfind(kPrefix, 0) == 0) line = line.substr(sizeof kPrefix - 1);
  return line.empty() ? "(no reason given)" : line;
}

}  // namespace

struct RemoteServer::Impl {
  std::string url;
  httplib::Client http;
  explicit Impl(const std::string& u) : url(u), http(u) {
    http.set_read_timeout(kReplyTimeoutSeconds, 0);
    http.set_write_timeout(kReplyTimeoutSeconds, 0);
  }

  httplib::Result post(const std::string& path, const std::string& body) {
    httplib::Result r = http.Post(path.c_str(), body, "application/octet-stream");
    if (!r) throw Error(url + path + ": no reply from the server (" + httplib::to_string(r.error()) + ")");
    return r;
  }
  [[noreturn]] void refused(const std::string& path, const httplib::Response& res) {
    std::string why = first_line(res.body);
    if (res.status == 503 && res.has_header("Retry-After"))
      why += " (retry after " + res.get_header_value("Retry-After") + " s)";
    throw Error(url + path + ": HTTP " + std::to_string(res.status) + ": " + why);
  }
};

RemoteServer::RemoteServer(const std::string& url) {
  if (url.rfind("http://", 0) != 0 || url.size() <= 7)
    throw Error("remote server '" + url + "': expected http://HOST:PORT");
  impl_ = std::make_unique<Impl>(url);
  if (!impl_->http.is_valid()) throw Error("remote server '" + url + "': not a valid URL");
}

std::string RemoteServer::key_id(const std::string& evaluation_keys) { return serve::key_id_of(evaluation_keys); }

std::string RemoteServer::upload_keys(const std::string& evaluation_keys) {
  const httplib::Result r = impl_->post("/keys", evaluation_keys);
  if (r->status != 200) impl_->refused("/keys", *r);
  try {
    return nlohmann::json::parse(r->body).at("key_id").get<std::string>();
  } catch (const std::exception&) {
    throw Error(impl_->url + "/keys: reply is not {\"key_id\": …}: " + first_line(r->body));
  }
}

std::string RemoteServer::run(const std::string& evaluation_keys, const std::string& ciphertexts) {
  const std::string path = "/infer/" + key_id(evaluation_keys);
  httplib::Result r = impl_->post(path, ciphertexts);
  if (r->status == 404) {  // the server does not hold these keys (first use, or evicted): upload, then ask again
    upload_keys(evaluation_keys);
    r = impl_->post(path, ciphertexts);
  }
  if (r->status != 200) impl_->refused(path, *r);
  return r->body;
}

bool RemoteServer::healthy() {
  const httplib::Result r = impl_->http.Get("/health");
  return r && r->status == 200;
}

RemoteServer::RemoteServer(RemoteServer&&) noexcept = default;
RemoteServer& RemoteServer::operator=(RemoteServer&&) noexcept = default;
RemoteServer::~RemoteServer() = default;

}  // namespace fheq
