using Xunit;

// Test collections run one after another. Many tests seed libtorch's process-wide generator and then draw from it
// (model initialisation, the overfit runs), and the live/latency tests bound timings: run in parallel on a 2-core
// machine, another collection's draws changed the first and the contention the second (seen in CI). Serial runs
// take no longer here (2 min 10 s against 2 min 25 s for the suite: the tests already keep both cores busy).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
