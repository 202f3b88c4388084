#include "fheq/mpi.h"

#include <string>
#include <vector>

#include "fheq/error.h"

#ifdef FHEQ_WITH_MPI
#include <mpi.h>
#endif

namespace fheq {

#ifdef FHEQ_WITH_MPI
namespace {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI: ") + call + ": " + std::string(text, static_cast<size_t>(length)));
}

class MpiExchange final : public PbsExchange {
 public:
  int rank() const override {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
  }
  int size() const override {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
  }
  // In place: each rank's part already sits at its offset of `words`.
  void allgather(uint64_t* words, size_t words_per_item, const std::vector<size_t>& begin) const override {
    const size_t parts = begin.size() - 1;
    std::vector<int> counts(parts), offsets(parts);
    for (size_t r = 0; r < parts; ++r) {
      const size_t count = (begin[r + 1] - begin[r]) * words_per_item, offset = begin[r] * words_per_item;
      if (count > 0x7fffffff || offset > 0x7fffffff) throw Error("MPI: one op's ciphertexts exceed 2^31 words");
      counts[r] = static_cast<int>(count);
      offsets[r] = static_cast<int>(offset);
    }
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, words, counts.data(), offsets.data(), MPI_UINT64_T,
                         MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }
};

}  // namespace

MpiSession::MpiSession() {
  int provided = 0;
  // SERIALIZED: the exchange may be called from a thread other than main (one at a time).
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED) throw Error("MPI: the library does not support MPI_THREAD_SERIALIZED");
}

MpiSession::~MpiSession() { MPI_Finalize(); }
int MpiSession::rank() const { return MpiExchange().rank(); }
int MpiSession::size() const { return MpiExchange().size(); }
std::shared_ptr<const PbsExchange> MpiSession::exchange() const { return std::make_shared<MpiExchange>(); }
bool MpiSession::available() { return true; }

#else

MpiSession::MpiSession() {
  throw Error("this fheq was built without MPI (Debian: apt-get install libopenmpi-dev openmpi-bin, then rebuild)");
}
MpiSession::~MpiSession() = default;
int MpiSession::rank() const { return 0; }
int MpiSession::size() const { return 1; }
std::shared_ptr<const PbsExchange> MpiSession::exchange() const { return nullptr; }
bool MpiSession::available() { return false; }

#endif

}  // namespace fheq
