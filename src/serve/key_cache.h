// The server's expanded evaluation keys, one fheq::Server per key id, least recently used evicted first when
// their memory passes the cap. Entries are shared_ptr: a request in flight keeps its keys alive even if they are
// evicted meanwhile.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "fheq/server.h"

namespace fheq::serve {

class KeyCache {
 public:
  explicit KeyCache(double cap_bytes) : cap_bytes_(cap_bytes) {}

  // The keys under `id`, now the most recently used; nullptr if absent.
  std::shared_ptr<const Server> find(const std::string& id);
  // Files `server` under `id` (taking `bytes` of the cap) and evicts least recently used entries other than
  // this one until the total fits. An entry alone larger than the cap is still kept (the cap is a target).
  void insert(const std::string& id, std::shared_ptr<const Server> server, double bytes);
  size_t size() const;
  double bytes() const;

 private:
  struct Entry {
    std::string id;
    std::shared_ptr<const Server> server;
    double bytes = 0;
  };
  mutable std::mutex mutex_;
  double cap_bytes_;
  double total_bytes_ = 0;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_id_;
};

}  // namespace fheq::serve
