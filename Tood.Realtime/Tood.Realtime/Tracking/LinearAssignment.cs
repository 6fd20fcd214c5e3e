namespace Tood.Realtime.Tracking;

/// <summary>
/// Exact rectangular linear assignment (rows ↔ columns, each used at most once) over a row-major cost
/// matrix, in the two flavours tracking needs:
/// <list type="bullet">
/// <item><see cref="MinCost"/>: lapjv with <c>cost_limit</c> (ByteTrack's <c>linear_assignment</c>): pairs
/// with cost &lt; limit may match, every unmatched row or column costs limit/2, total minimised — i.e. each
/// match gains (limit − cost), and no match is forced.</item>
/// <item><see cref="MaxCardinality"/>: py-motmetrics' CLEAR MOT step: as many allowed pairs as possible,
/// the smallest total cost among those.</item>
/// </list>
/// Method: the allowed pairs form a bipartite graph whose connected components are solved independently
/// (a tracker's IoU graph is sparse, so 100 × 100 frames split into many tiny problems); each component
/// becomes a dense full assignment of its smaller side, solved by shortest augmenting paths with dual
/// potentials (Jonker–Volgenant / Crouse 2016, O(n²m)), with disallowed pairs priced so that the optimum
/// of the dense problem is the optimum of the flavour above. Buffers are reused: no allocation once warm.
/// </summary>
public sealed class LinearAssignment
{
    private int[] _parent = [], _comp = [], _order = [], _start = [], _fill = [], _local = [];
    private bool[] _paired = [];
    private double[] _sub = [], _u = [], _v = [], _spc = [];
    private int[] _path = [], _col4row = [], _row4col = [], _remaining = [];
    private bool[] _sr = [], _sc = [];

    /// <summary>
    /// Minimum of Σ matched cost + (limit/2)·(unmatched rows + unmatched columns), matches only where
    /// cost &lt; <paramref name="limit"/> (NaN never matches). Writes the column of each row (−1 = none)
    /// into <paramref name="rowToCol"/>; returns the number of matches.
    /// </summary>
    public int MinCost(ReadOnlySpan<double> cost, int rows, int cols, double limit, Span<int> rowToCol) =>
        Solve(cost, rows, cols, limit, maxCardinality: false, rowToCol);

    /// <summary>
    /// Largest matching among pairs with cost &lt; <paramref name="limit"/> (NaN never matches), minimum
    /// total cost among the largest. Same outputs as <see cref="MinCost"/>.
    /// </summary>
    public int MaxCardinality(ReadOnlySpan<double> cost, int rows, int cols, double limit, Span<int> rowToCol) =>
        Solve(cost, rows, cols, limit, maxCardinality: true, rowToCol);

    private int Solve(ReadOnlySpan<double> cost, int rows, int cols, double limit, bool maxCardinality, Span<int> rowToCol)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (cost.Length < rows * cols) throw new ArgumentException($"cost has {cost.Length} entries, {rows}x{cols} needed", nameof(cost));
        if (rowToCol.Length < rows) throw new ArgumentException("rowToCol shorter than rows", nameof(rowToCol));
        rowToCol[..rows].Fill(-1);
        if (rows == 0 || cols == 0) return 0;

        int nodes = rows + cols;
        EnsureGraph(nodes);
        // Union–find over rows (0..rows-1) and columns (rows..rows+cols-1) joined by allowed pairs.
        for (int i = 0; i < nodes; i++) { _parent[i] = i; _comp[i] = -1; _paired[i] = false; }
        bool any = false;
        for (int r = 0; r < rows; r++)
        {
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                if (!(row[c] < limit)) continue;
                Union(r, rows + c);
                _paired[r] = _paired[rows + c] = true;
                any = true;
            }
        }
        if (!any) return 0;

        // Components that hold a pair, numbered by first node; their nodes bucketed (rows first, ascending).
        int components = 0;
        for (int i = 0; i < nodes; i++)
        {
            if (!_paired[i]) { _local[i] = -1; continue; }
            int root = Find(i);
            if (_comp[root] < 0) _comp[root] = components++;
            _local[i] = _comp[root];
        }
        EnsureComponents(components);
        Array.Clear(_start, 0, components + 1);
        for (int i = 0; i < nodes; i++) if (_local[i] >= 0) _start[_local[i] + 1]++;
        for (int c = 0; c < components; c++) _start[c + 1] += _start[c];
        Array.Copy(_start, _fill, components);
        for (int i = 0; i < nodes; i++) if (_local[i] >= 0) _order[_fill[_local[i]]++] = i;

        int matches = 0;
        for (int comp = 0; comp < components; comp++)
        {
            var members = _order.AsSpan(_start[comp], _start[comp + 1] - _start[comp]);
            int nr = 0;
            while (nr < members.Length && members[nr] < rows) nr++;
            if (members.Length == 2) { rowToCol[members[0]] = members[1] - rows; matches++; continue; }   // a lone pair
            matches += SolveComponent(cost, cols, limit, maxCardinality, members[..nr], members[nr..], rows, rowToCol);
        }
        return matches;
    }

    /// <summary>Dense assignment of one component; transposed so that rows ≤ columns.</summary>
    private int SolveComponent(ReadOnlySpan<double> cost, int cols, double limit, bool maxCardinality,
                               ReadOnlySpan<int> compRows, ReadOnlySpan<int> compCols, int rows, Span<int> rowToCol)
    {
        bool transpose = compRows.Length > compCols.Length;
        int n = transpose ? compCols.Length : compRows.Length, m = transpose ? compRows.Length : compCols.Length;
        EnsureDense(n, m);
        // Disallowed pairs: MinCost prices them at 0 and allowed ones at (cost − limit) < 0, so a full assignment's
        // zero entries are exactly the rows left unmatched. MaxCardinality prices them above any set of allowed
        // pairs (py-motmetrics' bound 2·k·c + 1), so fewer disallowed entries always wins first.
        double maxAbs = 0;
        if (maxCardinality)
            foreach (int r in compRows)
                foreach (int c in compCols)
                {
                    double x = cost[r * cols + c - rows];
                    if (x < limit) maxAbs = Math.Max(maxAbs, Math.Abs(x));
                }
        double forbidden = maxCardinality ? 2 * n * (maxAbs + 1) + 1 : 0;
        for (int a = 0; a < compRows.Length; a++)
            for (int b = 0; b < compCols.Length; b++)
            {
                double x = cost[compRows[a] * cols + compCols[b] - rows];
                double d = x < limit ? (maxCardinality ? x : x - limit) : forbidden;
                if (transpose) _sub[b * m + a] = d; else _sub[a * m + b] = d;
            }

        ShortestAugmentingPath(n, m);
        int matches = 0;
        for (int i = 0; i < n; i++)
        {
            int j = _col4row[i];
            int r = transpose ? compRows[j] : compRows[i], c = (transpose ? compCols[i] : compCols[j]) - rows;
            if (!(cost[r * cols + c] < limit)) continue;
            rowToCol[r] = c;
            matches++;
        }
        return matches;
    }

    /// <summary>Minimum-cost assignment of every row of the n×m (n ≤ m) matrix in <c>_sub</c>; result in <c>_col4row</c>.</summary>
    private void ShortestAugmentingPath(int n, int m)
    {
        var c = _sub.AsSpan(0, n * m);
        var u = _u.AsSpan(0, n);
        var v = _v.AsSpan(0, m);
        var spc = _spc.AsSpan(0, m);
        var path = _path.AsSpan(0, m);
        var row4col = _row4col.AsSpan(0, m);
        var col4row = _col4row.AsSpan(0, n);
        var remaining = _remaining.AsSpan(0, m);
        var sr = _sr.AsSpan(0, n);
        var sc = _sc.AsSpan(0, m);
        u.Clear(); v.Clear(); row4col.Fill(-1); col4row.Fill(-1);

        for (int cur = 0; cur < n; cur++)
        {
            // Dijkstra on reduced costs from row `cur` to the nearest free column.
            spc.Fill(double.PositiveInfinity);
            sr.Clear(); sc.Clear();
            for (int j = 0; j < m; j++) remaining[j] = m - 1 - j;
            int left = m, i = cur, sink = -1;
            double minVal = 0;
            while (sink < 0)
            {
                sr[i] = true;
                int best = -1;
                double lowest = double.PositiveInfinity;
                var ci = c.Slice(i * m, m);
                for (int k = 0; k < left; k++)
                {
                    int j = remaining[k];
                    double r = minVal + ci[j] - u[i] - v[j];
                    if (r < spc[j]) { path[j] = i; spc[j] = r; }
                    // Ties prefer a free column: the path ends sooner.
                    if (spc[j] < lowest || (spc[j] == lowest && row4col[j] < 0)) { lowest = spc[j]; best = k; }
                }
                minVal = lowest;
                int jb = remaining[best];
                if (row4col[jb] < 0) sink = jb; else i = row4col[jb];
                sc[jb] = true;
                remaining[best] = remaining[--left];
            }

            // Dual update keeps reduced costs non-negative, then augment along the path.
            u[cur] += minVal;
            for (int r = 0; r < n; r++) if (sr[r] && r != cur) u[r] += minVal - spc[col4row[r]];
            for (int j = 0; j < m; j++) if (sc[j]) v[j] -= minVal - spc[j];
            for (int j = sink; ;)
            {
                int r = path[j];
                row4col[j] = r;
                (col4row[r], j) = (j, col4row[r]);
                if (r == cur) break;
            }
        }
    }

    private int Find(int x)
    {
        while (_parent[x] != x) { _parent[x] = _parent[_parent[x]]; x = _parent[x]; }
        return x;
    }

    private void Union(int a, int b)
    {
        a = Find(a); b = Find(b);
        if (a == b) return;
        if (a < b) _parent[b] = a; else _parent[a] = b;   // smallest index is the root
    }

    private void EnsureGraph(int nodes)
    {
        if (_parent.Length >= nodes) return;
        int n = Math.Max(nodes, _parent.Length * 2);
        _parent = new int[n]; _comp = new int[n]; _order = new int[n]; _local = new int[n]; _paired = new bool[n];
    }

    private void EnsureComponents(int components)
    {
        if (_start.Length >= components + 1) return;
        int n = Math.Max(components + 1, _start.Length * 2);
        _start = new int[n]; _fill = new int[n];
    }

    private void EnsureDense(int n, int m)
    {
        if (_sub.Length < n * m) _sub = new double[Math.Max(n * m, _sub.Length * 2)];
        if (_u.Length < n) { int k = Math.Max(n, _u.Length * 2); _u = new double[k]; _col4row = new int[k]; _sr = new bool[k]; }
        if (_v.Length < m)
        {
            int k = Math.Max(m, _v.Length * 2);
            _v = new double[k]; _spc = new double[k]; _path = new int[k]; _row4col = new int[k]; _remaining = new int[k]; _sc = new bool[k];
        }
    }
}
