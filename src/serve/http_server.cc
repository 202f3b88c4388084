// fheq::HttpServer (include/fheq/serve.h) on cpp-httplib (Debian's libcpp-httplib-dev).
//
// Concurrency: httplib gives each connection a thread from its pool (max_queue + 4 threads, so every admitted
// request and a few health probes have one). Inference requests pass the Admission gate (max_queue at once,
// else 503), then evaluate one at a time (serve/serial_executor.h) with the evaluation thread pool: one batch
// uses every core, so running two at once would only interleave them. Key uploads are expanded one at a time, outside the cache's lock.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>

#include "fheq/error.h"
#include "fheq/runtime.h"
#include "fheq/serve.h"
#include "fheq/server.h"
#include "serve/admission.h"
#include "serve/key_cache.h"
#include "serve/key_id.h"
#include "serve/latency_window.h"
#include "serve/serial_executor.h"

namespace fheq {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";

void refuse(httplib::Response& res, int status, const std::string& why) {
  res.status = status;
  res.set_content(std::string("error: ") + Error(why).what() + "\n", kText);  // Error makes it one line
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct HttpServer::Impl {
  std::string artifact_dir;
  ServeOptions options;
  std::string params_name;
  int64_t pbs_per_sample = 0;
  httplib::Server http;
  serve::KeyCache keys;
  serve::Admission admission;
  serve::LatencyWindow latencies{1024};
  serve::SerialExecutor evaluator;  // one evaluation at a time (each uses every evaluation thread), on a warm thread
  std::mutex upload_mutex;      // one key expansion at a time
  std::thread thread;
  int port = -1;
  std::atomic<int64_t> requests{0}, inferences{0}, client_errors{0}, rejected_busy{0}, pbs{0};
  std::atomic<int64_t> evaluate_us{0};
  std::atomic<double> estimated_ms_per_sample{0};

  Impl(std::string dir, const ServeOptions& o)
      : artifact_dir(std::move(dir)), options(o), keys(o.key_cache_bytes), admission(o.max_queue) {}

  RuntimeOptions runtime_options() const {
    RuntimeOptions r;
    r.threads = options.threads;
    r.allow_toy_params = options.allow_toy_params;
    return r;
  }

  void post_keys(const httplib::Request& req, httplib::Response& res) {
    const std::string id = serve::key_id_of(req.body);
    if (!keys.find(id)) {
      std::lock_guard lock(upload_mutex);
      if (!keys.find(id)) {  // a concurrent upload of the same keys may have finished meanwhile
        auto server = std::make_shared<const Server>(
            Server::load_from_key_bytes(artifact_dir, req.body, runtime_options()));
        keys.insert(id, server, server->evaluation_key_bytes());
      }
    }
    res.set_content("{\"key_id\": \"" + id + "\"}\n", "application/json");
  }

  void post_infer(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    const std::string id = req.matches[1];
    if (!serve::is_key_id(id)) return refuse(res, 404, "key id '" + id + "': not 32 lowercase hex digits");
    const std::shared_ptr<const Server> server = keys.find(id);
    if (!server) return refuse(res, 404, "unknown key id " + id + " (POST the evaluation keys to /keys first)");
    if (!admission.try_enter()) {
      rejected_busy++;
      // Retry when the admitted requests should be done: the last measured time per sample × the admitted requests
      // (a lower bound when they carry several samples each), at least 1 s.
      const double wait_s = std::max(1.0, std::ceil(static_cast<double>(admission.admitted()) * 0.001 *
                                                    std::max(estimated_ms_per_sample.load(), 1.0)));
      res.set_header("Retry-After", std::to_string(static_cast<int64_t>(wait_s)));
      return refuse(res, 503, "server busy: " + std::to_string(options.max_queue) + " inference requests admitted");
    }
    const serve::Admitted admitted(admission);
    ServerRunReport report;
    std::string out;
    evaluator.run([&] { out = server->run_bytes(req.body, &report); });
    inferences++;
    pbs += report.pbs;
    evaluate_us += static_cast<int64_t>(report.evaluate_ms * 1e3);
    if (report.samples > 0) estimated_ms_per_sample = report.ms_per_sample;
    latencies.add(ms_since(start));
    res.set_content(std::move(out), "application/octet-stream");
  }

  void routes() {
    http.Post("/keys", [this](const httplib::Request& req, httplib::Response& res) { post_keys(req, res); });
    http.Post(R"(/infer/([^/]*))",
              [this](const httplib::Request& req, httplib::Response& res) { post_infer(req, res); });
    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"status\": \"ok\", \"params\": \"" + params_name +
                          "\", \"pbs_per_sample\": " + std::to_string(pbs_per_sample) + "}\n",
                      "application/json");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_text(), "text/plain; version=0.0.4");
    });
    http.set_logger([this](const httplib::Request&, const httplib::Response& res) {
      requests++;
      if (res.status >= 400 && res.status < 500) client_errors++;
    });
    // fheq::Error is the client's fault (its bytes, its keys): 400 with the one-line reason. Anything else is
    // ours: 500, one line, and the server keeps serving.
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const Error& e) {
        refuse(res, 400, e.what());
      } catch (const std::exception& e) {
        refuse(res, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        refuse(res, 500, "internal error");
      }
    });
    // Statuses httplib sets itself (404 no route, 413 body too large, 400 malformed HTTP) get a line too.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      // httplib caps form-encoded bodies at 8 KiB (curl --data-binary sends that content type by default).
      if (res.status == 413 && req.get_header_value("Content-Type") == "application/x-www-form-urlencoded")
        refuse(res, 413, "form-encoded body over 8 KiB: send the bytes as Content-Type: application/octet-stream");
      else if (res.status == 413)
        refuse(res, 413, "request body over the " + std::to_string(options.max_body_bytes) + "-byte limit");
      else if (res.status == 404)
        refuse(res, 404, "no endpoint " + req.method + " " + req.path);
      else
        refuse(res, res.status, "request refused (HTTP " + std::to_string(res.status) + ")");
      return httplib::Server::HandlerResponse::Handled;
    }));
  }

  ServeMetrics metrics() const {
    ServeMetrics m;
    m.requests = requests;
    m.inferences = inferences;
    m.client_errors = client_errors;
    m.rejected_busy = rejected_busy;
    m.queue_depth = admission.admitted();
    m.keys_cached = static_cast<int64_t>(keys.size());
    m.key_cache_bytes = keys.bytes();
    m.pbs = pbs;
    m.evaluate_seconds = static_cast<double>(evaluate_us.load()) / 1e6;
    m.latency_p50_ms = latencies.quantile(0.5);
    m.latency_p90_ms = latencies.quantile(0.9);
    m.latency_p99_ms = latencies.quantile(0.99);
    return m;
  }

  std::string metrics_text() const {
    const ServeMetrics m = metrics();
    std::ostringstream o;
    auto metric = [&](const char* name, const char* type, const char* help, double value) {
      o << "# HELP fheq_" << name << " " << help << "\n# TYPE fheq_" << name << " " << type << "\nfheq_" << name
        << " " << value << "\n";
    };
    metric("requests_total", "counter", "HTTP requests, every endpoint", static_cast<double>(m.requests));
    metric("inferences_total", "counter", "inference requests answered with a result",
           static_cast<double>(m.inferences));
    metric("client_errors_total", "counter", "requests refused with a 4xx", static_cast<double>(m.client_errors));
    metric("rejected_busy_total", "counter", "inference requests refused with 503 (queue full)",
           static_cast<double>(m.rejected_busy));
    metric("queue_depth", "gauge", "inference requests admitted now", static_cast<double>(m.queue_depth));
    metric("keys_cached", "gauge", "evaluation key sets held", static_cast<double>(m.keys_cached));
    metric("key_cache_bytes", "gauge", "memory of the expanded evaluation keys held", m.key_cache_bytes);
    metric("pbs_total", "counter", "programmable bootstraps evaluated", static_cast<double>(m.pbs));
    metric("evaluate_seconds_total", "counter", "server evaluation time", m.evaluate_seconds);
    metric("pbs_per_second", "gauge", "PBS throughput while evaluating",
           m.evaluate_seconds > 0 ? static_cast<double>(m.pbs) / m.evaluate_seconds : 0.0);
    o << "# HELP fheq_infer_latency_ms POST /infer latency, last 1024 requests\n"
      << "# TYPE fheq_infer_latency_ms summary\n"
      << "fheq_infer_latency_ms{quantile=\"0.5\"} " << m.latency_p50_ms << "\n"
      << "fheq_infer_latency_ms{quantile=\"0.9\"} " << m.latency_p90_ms << "\n"
      << "fheq_infer_latency_ms{quantile=\"0.99\"} " << m.latency_p99_ms << "\n";
    return o.str();
  }
};

HttpServer::HttpServer(const std::string& artifact_dir, const ServeOptions& options) {
  if (options.max_queue < 1) throw Error("serve: --max-queue " + std::to_string(options.max_queue) + ": must be ≥ 1");
  if (options.max_body_bytes < 1024)
    throw Error("serve: --max-body " + std::to_string(options.max_body_bytes) + " bytes: must be ≥ 1 KiB");
  if (options.port < 0 || options.port > 65535)
    throw Error("serve: --port " + std::to_string(options.port) + ": expected 0..65535");
  if (!(options.key_cache_bytes > 0)) throw Error("serve: --key-cache must be > 0");
  impl_ = std::make_unique<Impl>(artifact_dir, options);
  const ServerArtifactInfo info = read_server_artifact_info(artifact_dir, options.allow_toy_params);
  impl_->params_name = info.params_name;
  impl_->pbs_per_sample = info.pbs_per_sample;
  impl_->routes();
  impl_->http.set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  const auto seconds = static_cast<time_t>(options.read_timeout_seconds);
  impl_->http.set_read_timeout(seconds, static_cast<time_t>((options.read_timeout_seconds - static_cast<double>(seconds)) * 1e6));
  const size_t io_threads = static_cast<size_t>(options.max_queue) + 4;
  impl_->http.new_task_queue = [io_threads] { return new httplib::ThreadPool(io_threads); };
}

void HttpServer::start() {
  Impl& s = *impl_;
  s.port = s.options.port == 0 ? s.http.bind_to_any_port(s.options.host)
                               : (s.http.bind_to_port(s.options.host, s.options.port) ? s.options.port : -1);
  if (s.port < 0)
    throw Error("serve: cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                " (address in use or not local)");
  s.thread = std::thread([&s] { s.http.listen_after_bind(); });
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::wait() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

void HttpServer::stop() {
  if (impl_) impl_->http.stop();  // wait() (or the destructor) joins the serving thread
}

ServeMetrics HttpServer::metrics() const { return impl_->metrics(); }
std::string HttpServer::metrics_text() const { return impl_->metrics_text(); }

HttpServer::HttpServer(HttpServer&&) noexcept = default;
HttpServer& HttpServer::operator=(HttpServer&&) noexcept = default;
HttpServer::~HttpServer() {
  if (!impl_) return;
  stop();
  wait();
}

}  // namespace fheq
