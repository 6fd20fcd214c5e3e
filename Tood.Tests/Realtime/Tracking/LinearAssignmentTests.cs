using Tood.Realtime.Tracking;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

public class LinearAssignmentTests
{
    [Fact]
    public void Classic_3x3_matrix_has_its_known_optimum()
    {
        // Rows pick columns 1, 0, 2: 1 + 2 + 2 = 5 (every other permutation costs more).
        double[] cost = [4, 1, 3, 2, 0, 5, 3, 2, 2];
        var match = new int[3];
        Assert.Equal(3, new LinearAssignment().MinCost(cost, 3, 3, 100, match));
        Assert.Equal([1, 0, 2], match);
    }

    [Fact]
    public void Min_cost_leaves_pairs_at_or_above_the_limit_unmatched_and_trades_one_pair_for_two()
    {
        var lap = new LinearAssignment();
        var match = new int[2];
        // Rows: a, b; columns: x, y. a–x 0.1 alone beats a–y 0.45 + b–x 0.45 (limit 0.8: gains 0.7 vs 0.35+0.35=0.7 → tie)
        // so use limit 0.7: a–x gains 0.6, the pair a–y + b–x gains 0.25 + 0.25 = 0.5 → a–x only.
        double[] cost = [0.1, 0.45, 0.45, 0.9];
        Assert.Equal(1, lap.MinCost(cost, 2, 2, 0.7, match));
        Assert.Equal([0, -1], match);
        // Max cardinality prefers two matches (0.9 total) over one (0.1).
        Assert.Equal(2, lap.MaxCardinality(cost, 2, 2, 0.7, match));
        Assert.Equal([1, 0], match);
        // Exactly at the limit never matches.
        Assert.Equal(0, lap.MinCost([0.5], 1, 1, 0.5, match));
        Assert.Equal(-1, match[0]);
        Assert.Equal(0, lap.MaxCardinality([double.NaN], 1, 1, double.PositiveInfinity, match));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Matches_brute_force_on_random_small_matrices(bool maxCardinality)
    {
        var rng = new Random(maxCardinality ? 11 : 7);
        var lap = new LinearAssignment();   // one instance: buffers reused across sizes
        var match = new int[6];
        for (int trial = 0; trial < 3000; trial++)
        {
            int rows = rng.Next(0, 6), cols = rng.Next(0, 6);
            double limit = 0.3 + rng.NextDouble();
            double forbidShare = rng.NextDouble() * 0.8;
            var cost = new double[rows * cols];
            for (int k = 0; k < cost.Length; k++)
            {
                // Integers on some trials give ties; NaN and values above the limit are disallowed.
                double v = trial % 3 == 0 ? rng.Next(0, 4) / 4.0 * limit : rng.NextDouble() * limit;
                cost[k] = rng.NextDouble() < forbidShare ? (rng.Next(2) == 0 ? double.NaN : limit + rng.NextDouble()) : v;
            }
            int n = maxCardinality ? lap.MaxCardinality(cost, rows, cols, limit, match) : lap.MinCost(cost, rows, cols, limit, match);

            // The answer is a matching of allowed pairs …
            var usedCols = new HashSet<int>();
            double total = 0;
            int count = 0;
            for (int r = 0; r < rows; r++)
            {
                if (match[r] < 0) continue;
                Assert.True(usedCols.Add(match[r]));
                double c = cost[r * cols + match[r]];
                Assert.True(c < limit, $"trial {trial}: disallowed pair {r}-{match[r]} ({c})");
                total += c; count++;
            }
            Assert.Equal(count, n);
            // … and as good as the best of all matchings.
            var (bestCount, bestValue) = BruteForce(cost, rows, cols, limit, maxCardinality);
            if (maxCardinality)
            {
                Assert.Equal(bestCount, count);
                Assert.Equal(bestValue, total, 9);
            }
            else
            {
                Assert.Equal(bestValue, total + limit / 2 * (rows + cols - 2 * count), 9);
            }
        }
    }

    /// <summary>Every partial matching: (size, value) of the best one (max size then min cost, or min lapjv objective).</summary>
    private static (int Count, double Value) BruteForce(double[] cost, int rows, int cols, double limit, bool maxCardinality)
    {
        (int Count, double Value) best = (0, maxCardinality ? 0 : limit / 2 * (rows + cols));
        var used = new bool[cols];
        void Recurse(int r, int count, double sum)
        {
            if (r == rows)
            {
                double value = maxCardinality ? sum : sum + limit / 2 * (rows + cols - 2 * count);
                bool better = maxCardinality ? count > best.Count || (count == best.Count && value < best.Value - 1e-12) : value < best.Value - 1e-12;
                if (better) best = (count, value);
                return;
            }
            Recurse(r + 1, count, sum);
            for (int c = 0; c < cols; c++)
            {
                double x = cost[r * cols + c];
                if (used[c] || !(x < limit)) continue;
                used[c] = true;
                Recurse(r + 1, count + 1, sum + x);
                used[c] = false;
            }
        }
        Recurse(0, 0, 0);
        return best;
    }

    [Fact]
    public void Sparse_100x100_problem_splits_into_components_and_stays_optimal_against_dense_form()
    {
        // Tracker-like: each row overlaps only its neighbours. Solving with the limit (components) must give
        // the same total as the dense equivalent (every pair allowed, disallowed ones priced at the limit).
        var rng = new Random(5);
        const int n = 100;
        var sparse = new double[n * n];
        var dense = new double[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
            {
                bool near = Math.Abs(r - c) <= 2 && rng.NextDouble() < 0.7;
                sparse[r * n + c] = near ? rng.NextDouble() * 0.8 : double.NaN;
                dense[r * n + c] = near ? sparse[r * n + c] : 0.8;
            }
        var lap = new LinearAssignment();
        var a = new int[n];
        var b = new int[n];
        lap.MinCost(sparse, n, n, 0.8, a);
        lap.MinCost(dense, n, n, 0.8 + 1e-9, b);
        double Objective(int[] m, double[] cost) => Enumerable.Range(0, n).Sum(r => m[r] >= 0 && cost[r * n + m[r]] < 0.8 ? cost[r * n + m[r]] - 0.8 : 0);
        Assert.Equal(Objective(b, dense), Objective(a, sparse), 9);
    }
}
