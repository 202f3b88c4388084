// MPI scale-out (docs/DEPLOY.md): several processes share every TLU op's PBSs, each on its own cores or machine,
// exchanging each op's outputs with MPI_Allgatherv. Built with Debian's OpenMPI (libopenmpi-dev) when CMake finds
// it; otherwise MpiSession::available() is false and constructing one throws fheq::Error.
//
//   fheq::MpiSession mpi;                       // MPI_Init_thread; MPI_Finalize when it goes
//   fheq::RuntimeOptions options;
//   options.exchange = mpi.exchange();
//   fheq::Server server = fheq::Server::load("ART", "KEYS/eval.keys", options);   // on every rank
//   std::string out = server.run_bytes(in);     // the same bytes on every rank as a lone run's
//
// Run with `mpirun -np K program …`; every rank reads the same artifact, keys and input.
#pragma once

#include <memory>

#include "fheq/runtime.h"

namespace fheq {

class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const;
  int size() const;
  std::shared_ptr<const PbsExchange> exchange() const;
  static bool available();  // fheq was built with MPI
};

}  // namespace fheq
