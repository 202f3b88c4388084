// fheq serve over loopback (include/fheq/serve.h): concurrent clients get exactly the local server's result
// bytes; faults get one-line 4xx errors and the server keeps serving; a full queue answers 503 + Retry-After;
// the key cache evicts the least recently used keys past its cap.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/api_fixture.h"
#include "fheq/fheq.h"
#include "serve/key_cache.h"

namespace fheq {
namespace {

using testing::client_with_keys;
using testing::Fixture;
using testing::make_fixture;

ServeOptions loopback(const Fixture& f, int max_queue = 16) {
  ServeOptions o;
  o.port = 0;
  o.max_queue = max_queue;
  o.allow_toy_params = f.toy.allow_toy_params;
  o.read_timeout_seconds = 5;
  return o;
}

std::string url_of(const HttpServer& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

// What the server computes locally on these bytes (the reference every remote result must equal).
std::string local_result(const Fixture& f, const std::string& keys, const std::string& ciphertexts) {
  return Server::load_from_key_bytes(f.art, keys, f.toy).run_bytes(ciphertexts);
}

void expect_one_line_error(const httplib::Result& r, int status, const std::string& fragment) {
  ASSERT_TRUE(r) << "no reply (" << httplib::to_string(r.error()) << ")";
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->body.rfind("error: ", 0), 0u) << r->body;
  EXPECT_NE(r->body.find(fragment), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find('\n'), r->body.size() - 1) << "not one line: " << r->body;
}

TEST(Serve, EightConcurrentClientsGetTheLocalResultBytes) {
  const Fixture f = make_fixture("serve_concurrent");
  HttpServer server(f.art, loopback(f));
  server.start();
  constexpr int kClients = 8, kRequests = 3;
  std::vector<Client> clients;
  std::vector<std::string> keys;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(client_with_keys(f));
    keys.push_back(clients.back().evaluation_keys_bytes());
  }
  std::vector<std::vector<std::string>> sent(kClients), received(kClients);
  for (int c = 0; c < kClients; ++c)
    for (int r = 0; r < kRequests; ++r)
      sent[c].push_back(clients[c].encrypt_to_bytes(slice_batch(f.test.x, c * kRequests + r, c * kRequests + r + 1 + r)));
  std::vector<std::thread> threads;
  std::vector<std::string> failures(kClients);
  for (int c = 0; c < kClients; ++c)
    threads.emplace_back([&, c] {
      try {
        RemoteServer remote(url_of(server));
        for (int r = 0; r < kRequests; ++r) received[c].push_back(remote.run(keys[c], sent[c][r]));
      } catch (const std::exception& e) {
        failures[c] = e.what();
      }
    });
  for (std::thread& t : threads) t.join();
  for (int c = 0; c < kClients; ++c) {
    ASSERT_EQ(failures[c], "") << "client " << c;
    ASSERT_EQ(received[c].size(), static_cast<size_t>(kRequests));
    for (int r = 0; r < kRequests; ++r) {
      EXPECT_EQ(received[c][r], local_result(f, keys[c], sent[c][r])) << "client " << c << ", request " << r;
      EXPECT_EQ(clients[c].decrypt_from_bytes(received[c][r]).dim(0), 1 + r);
    }
  }
  const ServeMetrics m = server.metrics();
  EXPECT_EQ(m.inferences, kClients * kRequests);
  EXPECT_EQ(m.keys_cached, kClients);
  EXPECT_EQ(m.queue_depth, 0);
  EXPECT_GT(m.pbs, 0);
  EXPECT_NE(server.metrics_text().find("fheq_inferences_total 24"), std::string::npos) << server.metrics_text();
  server.stop();
}

TEST(Serve, FaultsGetOneLineErrorsAndTheServerKeepsServing) {
  const Fixture f = make_fixture("serve_faults");
  Client client = client_with_keys(f);
  const std::string keys = client.evaluation_keys_bytes();
  client.save_keys((f.dir / "secret.key").string(), (f.dir / "eval.keys").string());
  ServeOptions options = loopback(f);
  options.max_body_bytes = static_cast<int64_t>(keys.size()) + 4096;
  HttpServer server(f.art, options);
  server.start();
  httplib::Client http("127.0.0.1", server.port());
  const std::string id = RemoteServer::key_id(keys);
  const std::string ct = client.encrypt_to_bytes(slice_batch(f.test.x, 0, 2));

  expect_one_line_error(http.Post(("/infer/" + id).c_str(), ct, "application/octet-stream"), 404, "unknown key id");
  expect_one_line_error(http.Post("/infer/XYZ", ct, "application/octet-stream"), 404, "not 32 lowercase hex");
  expect_one_line_error(http.Post("/keys", testing::bytes_of(f.dir / "secret.key"), "application/octet-stream"), 400,
                        "SECRET key");
  expect_one_line_error(http.Post("/keys", "junk", "application/octet-stream"), 400, "evaluation-key bytes");
  expect_one_line_error(http.Post("/keys", std::string(options.max_body_bytes + 1, 'x'), "application/octet-stream"),
                        413, "byte limit");
  expect_one_line_error(http.Get("/nowhere"), 404, "no endpoint GET /nowhere");
  const httplib::Result uploaded = http.Post("/keys", keys, "application/octet-stream");
  ASSERT_TRUE(uploaded);
  ASSERT_EQ(uploaded->status, 200) << uploaded->body;
  EXPECT_NE(uploaded->body.find(id), std::string::npos) << uploaded->body;
  expect_one_line_error(http.Post(("/infer/" + id).c_str(), "junk", "application/octet-stream"), 400,
                        "ciphertext bytes: not an fheq");
  expect_one_line_error(http.Post(("/infer/" + id).c_str(), ct.substr(0, ct.size() - 3), "application/octet-stream"),
                        400, "ciphertext bytes: file is truncated");
  // Output ciphertexts sent as input: refused by kind.
  const std::string result = local_result(f, keys, ct);
  expect_one_line_error(http.Post(("/infer/" + id).c_str(), result, "application/octet-stream"), 400,
                        "holds 'output-ciphertexts'");

  // A client that announces 100,000 bytes, sends 100 and disconnects; another that stalls mid-body.
  for (const bool hang_up : {true, false}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string partial = "POST /infer/" + id + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                                std::string(100, 'x');
    ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
    if (hang_up) {
      ::close(fd);
    } else {
      // While it stalls, others are served.
      const httplib::Result during = http.Post(("/infer/" + id).c_str(), ct, "application/octet-stream");
      ASSERT_TRUE(during);
      EXPECT_EQ(during->status, 200);
      ::close(fd);
    }
  }
  const httplib::Result health = http.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const httplib::Result ok = http.Post(("/infer/" + id).c_str(), ct, "application/octet-stream");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(ok->body, result);
  EXPECT_GE(server.metrics().client_errors, 9);
  server.stop();
}

TEST(Serve, AFullQueueAnswers503WithRetryAfter) {
  const Fixture f = make_fixture("serve_busy");
  HttpServer server(f.art, loopback(f, /*max_queue=*/1));
  server.start();
  Client client = client_with_keys(f);
  const std::string keys = client.evaluation_keys_bytes();
  RemoteServer remote(url_of(server));
  remote.upload_keys(keys);
  // A long request (120 samples: seconds on the TOY set, far longer than the second request's trip) holds the
  // only admission slot.
  const std::string long_batch = client.encrypt_to_bytes(slice_batch(f.test.x, 0, 120));
  std::string long_result;
  std::thread first([&] { long_result = RemoteServer(url_of(server)).run(keys, long_batch); });
  while (server.metrics().queue_depth == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  httplib::Client http("127.0.0.1", server.port());
  const httplib::Result busy = http.Post(("/infer/" + RemoteServer::key_id(keys)).c_str(),
                                         client.encrypt_to_bytes(slice_batch(f.test.x, 0, 1)), "application/octet-stream");
  const ServeMetrics during = server.metrics();
  first.join();
  ASSERT_EQ(during.queue_depth, 1) << "the long request finished before the second arrived: the test proves nothing";
  expect_one_line_error(busy, 503, "server busy");
  EXPECT_TRUE(busy->has_header("Retry-After"));
  EXPECT_GE(std::stoi(busy->get_header_value("Retry-After")), 1);
  EXPECT_EQ(long_result, local_result(f, keys, long_batch));
  EXPECT_EQ(server.metrics().rejected_busy, 1);
  server.stop();
}

TEST(Serve, KeyCacheEvictsTheLeastRecentlyUsedPastItsCap) {
  const Fixture f = make_fixture("serve_cache");
  std::vector<std::shared_ptr<const Server>> servers;
  for (int i = 0; i < 3; ++i)
    servers.push_back(std::make_shared<const Server>(
        Server::load_from_key_bytes(f.art, client_with_keys(f).evaluation_keys_bytes(), f.toy)));
  serve::KeyCache cache(2.5);  // room for two entries of 1 "byte"
  cache.insert("a", servers[0], 1);
  cache.insert("b", servers[1], 1);
  EXPECT_EQ(cache.find("a"), servers[0]);  // a is now the most recent: b goes next
  cache.insert("c", servers[2], 1);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_EQ(cache.find("a"), servers[0]);
  EXPECT_EQ(cache.find("c"), servers[2]);
  EXPECT_DOUBLE_EQ(cache.bytes(), 2);
  // One entry larger than the cap is kept alone.
  cache.insert("d", servers[1], 10);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("d"), servers[1]);
}

}  // namespace
}  // namespace fheq
