// Encrypted inference over HTTP/1.1 (docs/DEPLOY.md): a long-running server for one artifact that many clients
// reach with their evaluation keys and ciphertexts, and the client side of it.
//
//   fheq::HttpServer server("ART", options);      // ART/server only: no secret key is ever read
//   server.start();                                // binds options.host:options.port, serves in the background
//   ...
//   fheq::RemoteServer remote("http://127.0.0.1:8080");
//   std::string result = remote.run(client.evaluation_keys_bytes(), client.encrypt_to_bytes(x));
//
// Endpoints: POST /keys (the eval.keys bytes → {"key_id": …}), POST /infer/{key_id} (IN.ct bytes → OUT.ct
// bytes), GET /health, GET /metrics (Prometheus text). Every refused request gets a 4xx (503 when the queue is
// full) and a one-line body "error: …"; the server keeps serving.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace fheq {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (HttpServer::port() tells which)
  unsigned threads = 0;             // evaluation threads (0: every core)
  int64_t max_body_bytes = int64_t{1} << 30;   // larger requests get 413
  int max_queue = 16;               // inference requests admitted at once (running + waiting); more get 503
  double key_cache_bytes = 8.0 * (int64_t{1} << 30);  // expanded evaluation keys kept (least recently used go)
  double read_timeout_seconds = 60;  // a client that stops sending mid-request is dropped after this
  bool allow_toy_params = false;     // tests only
};

// What the server has done so far (also GET /metrics).
struct ServeMetrics {
  int64_t requests = 0;          // every request, any endpoint
  int64_t inferences = 0;        // answered with a result
  int64_t client_errors = 0;     // 4xx
  int64_t rejected_busy = 0;     // 503
  int64_t queue_depth = 0;       // inference requests admitted now
  int64_t keys_cached = 0;
  double key_cache_bytes = 0;
  int64_t pbs = 0;               // evaluated, all inferences
  double evaluate_seconds = 0;   // server evaluation time, all inferences
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0;  // POST /infer, last 1024 requests
};

class HttpServer {
 public:
  // Loads ART/server (fheq::Error with one line on a missing or corrupt artifact, or bad options).
  HttpServer(const std::string& artifact_dir, const ServeOptions& options);
  // Binds and serves on a background thread (fheq::Error when the address cannot be bound).
  void start();
  int port() const;  // the bound port
  // Blocks until stop() was called (from another thread) and the serving thread has ended. One waiter only.
  void wait();
  void stop();  // asks the serving thread to end; returns at once
  ServeMetrics metrics() const;
  std::string metrics_text() const;  // Prometheus text exposition format

  HttpServer(HttpServer&&) noexcept;
  HttpServer& operator=(HttpServer&&) noexcept;
  ~HttpServer();  // stops

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class RemoteServer {
 public:
  // url: "http://host:port" (fheq::Error if malformed).
  explicit RemoteServer(const std::string& url);
  // The id the server files these evaluation keys under (a SHA-256 prefix of the bytes, computed locally).
  static std::string key_id(const std::string& evaluation_keys);
  // POST /keys; returns the key id. fheq::Error with the server's one-line reason when refused.
  std::string upload_keys(const std::string& evaluation_keys);
  // POST /infer/{key_id} with IN.ct bytes → OUT.ct bytes. The keys are uploaded only when the server does not
  // hold them yet (first use, or evicted). fheq::Error on refusal (503: "server busy, retry after N s").
  std::string run(const std::string& evaluation_keys, const std::string& ciphertexts);
  bool healthy();

  RemoteServer(RemoteServer&&) noexcept;
  RemoteServer& operator=(RemoteServer&&) noexcept;
  ~RemoteServer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fheq
