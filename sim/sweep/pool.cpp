#include "sim/sweep/pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace consim::sweep {

void run_points(const Grid& g, const std::vector<std::size_t>& points, unsigned jobs,
                const std::function<void(std::size_t, const PointRows&)>& on_point,
                const std::function<void(std::size_t, std::size_t)>& on_run) {
  const std::size_t K = g.seeds;
  const std::size_t total = points.size() * K;
  if (total == 0) return;
  // A point in progress: its pool and per-seed rows, created by its first
  // run to end and released when its last one does.
  struct Progress {
    PointPool pool;
    std::vector<std::vector<std::string>> seed_rows;  // [k][level], per-seed only
  };
  struct Slot {
    std::mutex mu;
    std::unique_ptr<Progress> progress;
    std::size_t left = 0;
  };
  std::unique_ptr<Slot[]> slots(new Slot[points.size()]);
  for (std::size_t i = 0; i < points.size(); ++i) slots[i].left = K;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // serialises the callbacks
  std::exception_ptr error;
  std::size_t done = 0;

  auto worker = [&]() {
    while (!stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= total) return;
      const std::size_t s = i / K;
      const auto k = static_cast<std::uint32_t>(i % K);
      try {
        const GridPoint& p = g.points.at(points[s]);
        const RunResult run = measure_run(g, p, k);
        std::vector<std::string> rows_of_seed = seed_rows(g, p, run);
        std::unique_ptr<Progress> finished;
        {
          Slot& slot = slots[s];
          std::lock_guard<std::mutex> lock(slot.mu);
          if (!slot.progress) {
            slot.progress = std::make_unique<Progress>();
            if (g.per_seed) slot.progress->seed_rows.resize(K);
          }
          slot.progress->pool.add(run);
          if (g.per_seed) slot.progress->seed_rows[k] = std::move(rows_of_seed);
          if (--slot.left == 0) finished = std::move(slot.progress);
        }
        const bool last = finished != nullptr;
        PointRows rows;
        if (last) rows = point_rows(g, p, finished->pool, finished->seed_rows);
        finished.reset();
        std::lock_guard<std::mutex> lock(mu);
        if (stop.load()) return;
        ++done;
        if (last) on_point(p.index, rows);
        if (on_run) on_run(done, total);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        stop.store(true);
        return;
      }
    }
  };
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), total));
  if (n == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned t = 0; t < n; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace consim::sweep
