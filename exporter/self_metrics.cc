#include "exporter/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <iterator>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kResult[] = {"result"};
constexpr std::string_view kVersionRevision[] = {"version", "revision"};

constexpr FamilySpec kConfigReload{
    "rebound_config_reload_total", MetricType::Counter,
    "Configuration reloads (SIGHUP), by result; a failed reload keeps the old config.", kResult};
constexpr FamilySpec kLeader{
    "rebound_leader", MetricType::Gauge,
    "1 when this replica is the leader and acts; a single replica always is."};
constexpr FamilySpec kBuildInfo{"rebound_build_info", MetricType::Gauge,
                                "Build information; the value is always 1.", kVersionRevision};

constexpr std::array kSelfFamilies = {kBuildInfo, kConfigReload, kLeader};

constexpr FamilySpec kProcessCpu{"process_cpu_seconds_total", MetricType::Counter,
                                 "Total user and system CPU time spent in seconds."};
constexpr FamilySpec kProcessResident{"process_resident_memory_bytes", MetricType::Gauge,
                                      "Resident memory size in bytes."};
constexpr FamilySpec kProcessVirtual{"process_virtual_memory_bytes", MetricType::Gauge,
                                     "Virtual memory size in bytes."};
constexpr FamilySpec kProcessStart{"process_start_time_seconds", MetricType::Gauge,
                                   "Start time of the process since unix epoch in seconds."};
constexpr FamilySpec kProcessOpenFds{"process_open_fds", MetricType::Gauge,
                                     "Number of open file descriptors."};
constexpr FamilySpec kProcessMaxFds{"process_max_fds", MetricType::Gauge,
                                    "Maximum number of open file descriptors."};

constexpr std::array kProcessFamilies = {kProcessCpu,   kProcessResident, kProcessVirtual,
                                         kProcessStart, kProcessOpenFds,  kProcessMaxFds};

prometheus::MetricFamily Single(const FamilySpec& spec, double value) {
  prometheus::MetricFamily family;
  family.name = std::string(spec.name);
  family.help = std::string(spec.help);
  family.type = spec.type;
  prometheus::ClientMetric metric;
  if (spec.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

SelfMetrics::SelfMetrics(prometheus::Registry& registry, const BuildInfo& build)
    : reload_success(RegisterCounter(registry, kConfigReload).Add({{"result", "success"}})),
      reload_failure(RegisterCounter(registry, kConfigReload).Add({{"result", "failure"}})),
      leader(RegisterGauge(registry, kLeader).Add({})) {
  RegisterGauge(registry, kBuildInfo)
      .Add({{"version", build.version}, {"revision", build.revision}})
      .Set(1);
}

std::span<const FamilySpec> SelfMetrics::Families() { return kSelfFamilies; }

std::span<const FamilySpec> ProcessCollector::Families() { return kProcessFamilies; }

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  // /proc/self/stat fields (1-based): 14 utime, 15 stime, 22 starttime, 23 vsize, 24 rss.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  size_t close_paren = stat.rfind(')');
  if (close_paren != std::string::npos) {
    std::istringstream fields(stat.substr(close_paren + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                               std::istream_iterator<std::string>());
    // f[0] is field 3 (state).
    if (f.size() > 21) {
      double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      double page = static_cast<double>(sysconf(_SC_PAGESIZE));
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      double start_ticks = std::stod(f[19]);
      double vsize = std::stod(f[20]);
      double rss = std::stod(f[21]) * page;
      double boot_time = 0;
      std::ifstream proc_stat("/proc/stat");
      for (std::string line; std::getline(proc_stat, line);) {
        if (line.rfind("btime ", 0) == 0) boot_time = std::stod(line.substr(6));
      }
      families.push_back(Single(kProcessCpu, cpu));
      families.push_back(Single(kProcessResident, rss));
      families.push_back(Single(kProcessVirtual, vsize));
      families.push_back(Single(kProcessStart, boot_time + start_ticks / ticks));
    }
  }
  size_t fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++fds;
    }
    closedir(dir);
    families.push_back(Single(kProcessOpenFds, static_cast<double>(fds - 1)));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(Single(kProcessMaxFds, static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

common::HttpResponse RenderMetrics(
    const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& collectable : collectables) {
    std::vector<prometheus::MetricFamily> part = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(part.begin()),
                    std::make_move_iterator(part.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return common::HttpResponse::Text(200, out.str(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace rebound::exporter
