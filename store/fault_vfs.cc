#include "store/fault_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <utility>

namespace rebound::store {

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kWriteError:
      return "write_error";
    case Fault::kDiskFull:
      return "disk_full";
    case Fault::kSyncError:
      return "sync_error";
  }
  return "none";
}

// A file opened through the FaultVfs: our sqlite3_file, followed in the same allocation by
// the default VFS's file that it forwards to.
struct FaultVfs::File {
  sqlite3_file base;  // first, so that SQLite's sqlite3_file* is a File*
  FaultVfs* owner;
  sqlite3_file* real;
};

// The sqlite3_io_methods and sqlite3_vfs entry points: each forwards to the default VFS,
// except that xWrite and xSync first ask the FaultVfs whether to fail.
struct FaultVfs::Methods {
  static File* Of(sqlite3_file* file) { return reinterpret_cast<File*>(file); }
  static sqlite3_file* Real(sqlite3_file* file) { return Of(file)->real; }
  static FaultVfs* Owner(sqlite3_vfs* vfs) { return static_cast<FaultVfs*>(vfs->pAppData); }

  // The error code `file`'s owner injects for writes (`sync` false) or syncs, SQLITE_OK for none.
  static int Injected(sqlite3_file* file, bool sync) {
    FaultVfs* owner = Of(file)->owner;
    int rc = SQLITE_OK;
    switch (owner->fault_.load()) {
      case Fault::kNone:
        break;
      case Fault::kWriteError:
        if (!sync) rc = SQLITE_IOERR_WRITE;
        break;
      case Fault::kDiskFull:
        if (!sync) rc = SQLITE_FULL;
        break;
      case Fault::kSyncError:
        if (sync) rc = SQLITE_IOERR_FSYNC;
        break;
    }
    if (rc != SQLITE_OK) owner->failures_.fetch_add(1);
    return rc;
  }

  static int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
  static int Read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
    return Real(f)->pMethods->xRead(Real(f), buffer, amount, offset);
  }
  static int Write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
    if (int rc = Injected(f, false); rc != SQLITE_OK) return rc;
    return Real(f)->pMethods->xWrite(Real(f), buffer, amount, offset);
  }
  static int Truncate(sqlite3_file* f, sqlite3_int64 size) {
    return Real(f)->pMethods->xTruncate(Real(f), size);
  }
  static int Sync(sqlite3_file* f, int flags) {
    if (int rc = Injected(f, true); rc != SQLITE_OK) return rc;
    return Real(f)->pMethods->xSync(Real(f), flags);
  }
  static int FileSize(sqlite3_file* f, sqlite3_int64* size) {
    return Real(f)->pMethods->xFileSize(Real(f), size);
  }
  static int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
  static int Unlock(sqlite3_file* f, int level) {
    return Real(f)->pMethods->xUnlock(Real(f), level);
  }
  static int CheckReservedLock(sqlite3_file* f, int* out) {
    return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
  }
  static int FileControl(sqlite3_file* f, int op, void* arg) {
    return Real(f)->pMethods->xFileControl(Real(f), op, arg);
  }
  static int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
  static int DeviceCharacteristics(sqlite3_file* f) {
    return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
  }
  // Shared memory (version 2) and memory mapping (version 3). The default VFS on Unix has both;
  // a file without them gets the answers SQLite treats as "not supported".
  static int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    if (Real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
  }
  static int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
    if (Real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
  }
  static void ShmBarrier(sqlite3_file* f) {
    if (Real(f)->pMethods->iVersion >= 2) Real(f)->pMethods->xShmBarrier(Real(f));
  }
  static int ShmUnmap(sqlite3_file* f, int delete_flag) {
    if (Real(f)->pMethods->iVersion < 2) return SQLITE_OK;
    return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
  }
  static int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
    if (Real(f)->pMethods->iVersion < 3) {
      *out = nullptr;
      return SQLITE_OK;
    }
    return Real(f)->pMethods->xFetch(Real(f), offset, amount, out);
  }
  static int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
    if (Real(f)->pMethods->iVersion < 3) return SQLITE_OK;
    return Real(f)->pMethods->xUnfetch(Real(f), offset, p);
  }

  static constexpr sqlite3_io_methods kIo = {
      3,
      Close,
      Read,
      Write,
      Truncate,
      Sync,
      FileSize,
      Lock,
      Unlock,
      CheckReservedLock,
      FileControl,
      SectorSize,
      DeviceCharacteristics,
      ShmMap,
      ShmLock,
      ShmBarrier,
      ShmUnmap,
      Fetch,
      Unfetch,
  };

  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                  int* out_flags) {
    FaultVfs* owner = Owner(vfs);
    File* f = Of(file);
    f->owner = owner;
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    std::memset(f->real, 0, static_cast<size_t>(owner->base_->szOsFile));
    const int rc = owner->base_->xOpen(owner->base_, name, f->real, flags, out_flags);
    // SQLite closes a file whose pMethods is set, even when the open failed.
    f->base.pMethods = f->real->pMethods != nullptr ? &kIo : nullptr;
    return rc;
  }
  static sqlite3_vfs* Base(sqlite3_vfs* vfs) { return Owner(vfs)->base_; }
  static int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    return Base(vfs)->xDelete(Base(vfs), name, sync_dir);
  }
  static int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return Base(vfs)->xAccess(Base(vfs), name, flags, out);
  }
  static int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
    return Base(vfs)->xFullPathname(Base(vfs), name, size, out);
  }
  static void* DlOpen(sqlite3_vfs* vfs, const char* name) {
    return Base(vfs)->xDlOpen(Base(vfs), name);
  }
  static void DlError(sqlite3_vfs* vfs, int size, char* out) {
    Base(vfs)->xDlError(Base(vfs), size, out);
  }
  static void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    return Base(vfs)->xDlSym(Base(vfs), handle, symbol);
  }
  static void DlClose(sqlite3_vfs* vfs, void* handle) { Base(vfs)->xDlClose(Base(vfs), handle); }
  static int Randomness(sqlite3_vfs* vfs, int size, char* out) {
    return Base(vfs)->xRandomness(Base(vfs), size, out);
  }
  static int Sleep(sqlite3_vfs* vfs, int microseconds) {
    return Base(vfs)->xSleep(Base(vfs), microseconds);
  }
  static int CurrentTime(sqlite3_vfs* vfs, double* out) {
    return Base(vfs)->xCurrentTime(Base(vfs), out);
  }
  static int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
    return Base(vfs)->xGetLastError(Base(vfs), size, out);
  }
  static int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return Base(vfs)->xCurrentTimeInt64(Base(vfs), out);
  }
};

FaultVfs::FaultVfs(std::string name) : name_(std::move(name)) {}

FaultVfs::~FaultVfs() {
  if (vfs_ != nullptr) sqlite3_vfs_unregister(vfs_.get());
}

common::Result<std::unique_ptr<FaultVfs>> FaultVfs::Register(std::string name) {
  if (sqlite3_vfs_find(name.c_str()) != nullptr) {
    return common::Status(common::StatusCode::kAlreadyExists,
                          "store: a SQLite VFS named \"" + name + "\" is already registered");
  }
  std::unique_ptr<FaultVfs> fault(new FaultVfs(std::move(name)));
  fault->base_ = sqlite3_vfs_find(nullptr);
  if (fault->base_ == nullptr) return common::Internal("store: SQLite has no default VFS");
  auto vfs = std::make_unique<sqlite3_vfs>();
  std::memset(vfs.get(), 0, sizeof(sqlite3_vfs));
  vfs->iVersion = 2;  // up to xCurrentTimeInt64
  vfs->szOsFile = static_cast<int>(sizeof(File)) + fault->base_->szOsFile;
  vfs->mxPathname = fault->base_->mxPathname;
  vfs->zName = fault->name_.c_str();
  vfs->pAppData = fault.get();
  vfs->xOpen = Methods::Open;
  vfs->xDelete = Methods::Delete;
  vfs->xAccess = Methods::Access;
  vfs->xFullPathname = Methods::FullPathname;
  vfs->xDlOpen = Methods::DlOpen;
  vfs->xDlError = Methods::DlError;
  vfs->xDlSym = Methods::DlSym;
  vfs->xDlClose = Methods::DlClose;
  vfs->xRandomness = Methods::Randomness;
  vfs->xSleep = Methods::Sleep;
  vfs->xCurrentTime = Methods::CurrentTime;
  vfs->xGetLastError = Methods::GetLastError;
  vfs->xCurrentTimeInt64 = Methods::CurrentTimeInt64;
  if (const int rc = sqlite3_vfs_register(vfs.get(), 0); rc != SQLITE_OK) {
    return common::Internal("store: cannot register the SQLite VFS \"" + fault->name_ +
                            "\": " + sqlite3_errstr(rc));
  }
  fault->vfs_ = std::move(vfs);
  return fault;
}

}  // namespace rebound::store
