using Tood.Realtime.Tracking;
using Xunit;

namespace Tood.Tests.Realtime.Tracking;

/// <summary>The block form against the reference's 8×8 equations written out with plain matrices.</summary>
public class KalmanBoxFilterTests
{
    private const double Wp = 1.0 / 20, Wv = 1.0 / 160;

    [Fact]
    public void Block_filter_equals_the_full_8x8_filter_over_a_random_sequence()
    {
        var rng = new Random(1);
        var z0 = Xyah.FromCorners(100, 50, 140, 130);
        var s = KalmanBoxFilter.Initiate(z0);
        var (mean, cov) = FullInitiate(z0);
        AssertSame(mean, cov, s);
        for (int step = 0; step < 60; step++)
        {
            if (step % 7 == 3) s.Velocity[3] = mean[7] = 0;   // what the tracker does for lost tracks
            KalmanBoxFilter.Predict(ref s);
            (mean, cov) = FullPredict(mean, cov);
            AssertSame(mean, cov, s);
            if (step % 5 == 4) continue;                       // missed frames: predict only
            var z = Xyah.FromCorners(100 + 3 * step + (float)rng.NextDouble() * 4, 50 + 2 * step, 140 + 3 * step, 130 + 2 * step + (float)rng.NextDouble() * 6);
            KalmanBoxFilter.Update(ref s, z);
            (mean, cov) = FullUpdate(mean, cov, z);
            AssertSame(mean, cov, s);
        }
        // Constant velocity is learned: 3 px/frame in x, 2 in y.
        Assert.Equal(3, s.Velocity[0], 0.3);
        Assert.Equal(2, s.Velocity[1], 0.3);
    }

    [Fact]
    public void Initiate_has_zero_velocity_and_the_reference_stds()
    {
        var s = KalmanBoxFilter.Initiate(Xyah.FromCorners(0, 0, 50, 100));   // h = 100, a = 0.5
        Assert.Equal([25.0, 50, 0.5, 100], [s.Position[0], s.Position[1], s.Position[2], s.Position[3]]);
        Assert.Equal(0, s.Velocity[0]);
        Assert.Equal(100, s.Ppp[0], 9);          // (2 · 1/20 · 100)²
        Assert.Equal(1e-4, s.Ppp[2], 12);        // aspect: 1e-2²
        Assert.Equal(39.0625, s.Pvv[1], 9);      // (10 · 1/160 · 100)²
        s.Corners(out var x1, out var y1, out var x2, out var y2);
        Assert.Equal((0f, 0f, 50f, 100f), (x1, y1, x2, y2));
    }

    private static void AssertSame(double[] mean, double[,] cov, in KalmanState s)
    {
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(mean[k], s.Position[k], 9);
            Assert.Equal(mean[4 + k], s.Velocity[k], 9);
            Assert.Equal(cov[k, k], s.Ppp[k], 9);
            Assert.Equal(cov[k, 4 + k], s.Ppv[k], 9);
            Assert.Equal(cov[4 + k, 4 + k], s.Pvv[k], 9);
        }
        // Everything else of the 8×8 covariance stays zero.
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                if (i % 4 != j % 4) Assert.Equal(0, cov[i, j], 12);
    }

    private static (double[], double[,]) FullInitiate(Xyah z)
    {
        double h = z[3];
        double[] std = [2 * Wp * h, 2 * Wp * h, 1e-2, 2 * Wp * h, 10 * Wv * h, 10 * Wv * h, 1e-5, 10 * Wv * h];
        var cov = new double[8, 8];
        for (int i = 0; i < 8; i++) cov[i, i] = std[i] * std[i];
        return ([z[0], z[1], z[2], z[3], 0, 0, 0, 0], cov);
    }

    private static (double[], double[,]) FullPredict(double[] mean, double[,] cov)
    {
        double h = mean[3];
        double[] std = [Wp * h, Wp * h, 1e-2, Wp * h, Wv * h, Wv * h, 1e-5, Wv * h];
        var f = Identity(8);
        for (int i = 0; i < 4; i++) f[i, 4 + i] = 1;
        var q = new double[8, 8];
        for (int i = 0; i < 8; i++) q[i, i] = std[i] * std[i];
        return (Mul(f, mean), Add(Mul(Mul(f, cov), T(f)), q));
    }

    private static (double[], double[,]) FullUpdate(double[] mean, double[,] cov, Xyah z)
    {
        double h = mean[3];
        double[] std = [Wp * h, Wp * h, 1e-1, Wp * h];
        var hm = new double[4, 8];
        for (int i = 0; i < 4; i++) hm[i, i] = 1;
        var r = new double[4, 4];
        for (int i = 0; i < 4; i++) r[i, i] = std[i] * std[i];
        var s = Add(Mul(Mul(hm, cov), T(hm)), r);
        var k = Mul(Mul(cov, T(hm)), Inverse(s));
        var projected = Mul(hm, mean);
        var innovation = new double[4];
        for (int i = 0; i < 4; i++) innovation[i] = z[i] - projected[i];
        var newMean = (double[])mean.Clone();
        var correction = Mul(k, innovation);
        for (int i = 0; i < 8; i++) newMean[i] += correction[i];
        var newCov = Sub(cov, Mul(Mul(k, s), T(k)));
        return (newMean, newCov);
    }

    private static double[,] Identity(int n) { var m = new double[n, n]; for (int i = 0; i < n; i++) m[i, i] = 1; return m; }
    private static double[,] T(double[,] a) { var m = new double[a.GetLength(1), a.GetLength(0)]; for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m[j, i] = a[i, j]; return m; }
    private static double[,] Add(double[,] a, double[,] b) { var m = (double[,])a.Clone(); for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m[i, j] += b[i, j]; return m; }
    private static double[,] Sub(double[,] a, double[,] b) { var m = (double[,])a.Clone(); for (int i = 0; i < a.GetLength(0); i++) for (int j = 0; j < a.GetLength(1); j++) m[i, j] -= b[i, j]; return m; }

    private static double[,] Mul(double[,] a, double[,] b)
    {
        var m = new double[a.GetLength(0), b.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < b.GetLength(1); j++)
                for (int k = 0; k < a.GetLength(1); k++) m[i, j] += a[i, k] * b[k, j];
        return m;
    }

    private static double[] Mul(double[,] a, double[] v)
    {
        var m = new double[a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++) for (int k = 0; k < v.Length; k++) m[i] += a[i, k] * v[k];
        return m;
    }

    /// <summary>Gauss–Jordan inverse (the innovation covariance is small and well conditioned).</summary>
    private static double[,] Inverse(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var inv = Identity(n);
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[p, c])) p = r;
            for (int j = 0; j < n; j++) { (m[c, j], m[p, j]) = (m[p, j], m[c, j]); (inv[c, j], inv[p, j]) = (inv[p, j], inv[c, j]); }
            double d = m[c, c];
            for (int j = 0; j < n; j++) { m[c, j] /= d; inv[c, j] /= d; }
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double f = m[r, c];
                for (int j = 0; j < n; j++) { m[r, j] -= f * m[c, j]; inv[r, j] -= f * inv[c, j]; }
            }
        }
        return inv;
    }
}
