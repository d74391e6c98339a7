#include "exporter/self_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include <prometheus/text_serializer.h>

namespace rebound::exporter {
namespace {

prometheus::Family<prometheus::Counter>& ReloadFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("rebound_config_reload_total")
      .Help("Configuration reloads (SIGHUP), by result; a failed reload keeps the old config.")
      .Register(registry);
}

prometheus::MetricFamily Single(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

SelfMetrics::SelfMetrics(prometheus::Registry& registry, const BuildInfo& build)
    : reload_success(ReloadFamily(registry).Add({{"result", "success"}})),
      reload_failure(ReloadFamily(registry).Add({{"result", "failure"}})),
      leader(prometheus::BuildGauge()
                 .Name("rebound_leader")
                 .Help("1 when this replica is the leader and acts; a single replica always is.")
                 .Register(registry)
                 .Add({})) {
  prometheus::BuildGauge()
      .Name("rebound_build_info")
      .Help("Build information; the value is always 1.")
      .Register(registry)
      .Add({{"version", build.version}, {"revision", build.revision}})
      .Set(1);
}

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
      families.push_back(Single("process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.",
                                prometheus::MetricType::Counter, cpu));
      families.push_back(Single("process_resident_memory_bytes", "Resident memory size in bytes.",
                                prometheus::MetricType::Gauge, rss));
      families.push_back(Single("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                prometheus::MetricType::Gauge, vsize));
      families.push_back(Single("process_start_time_seconds",
                                "Start time of the process since unix epoch in seconds.",
                                prometheus::MetricType::Gauge, boot_time + start_ticks / ticks));
    }
  }
  size_t fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++fds;
    }
    closedir(dir);
    families.push_back(Single("process_open_fds", "Number of open file descriptors.",
                              prometheus::MetricType::Gauge, static_cast<double>(fds - 1)));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(Single("process_max_fds", "Maximum number of open file descriptors.",
                              prometheus::MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
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
