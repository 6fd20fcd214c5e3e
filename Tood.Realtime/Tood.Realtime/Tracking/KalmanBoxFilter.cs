using System.Runtime.CompilerServices;

namespace Tood.Realtime.Tracking;

/// <summary>Four doubles in (centre x, centre y, aspect w/h, height) order, stored inline.</summary>
[InlineArray(4)]
public struct Xyah
{
    private double _element;

    public static Xyah FromCorners(float x1, float y1, float x2, float y2)
    {
        var m = new Xyah();
        double h = y2 - y1;
        m[0] = (x1 + x2) / 2.0; m[1] = (y1 + y2) / 2.0; m[2] = h > 0 ? (x2 - x1) / h : 0; m[3] = h;
        return m;
    }
}

/// <summary>
/// Mean and covariance of one track's state (x, y, a, h, vx, vy, va, vh). The covariance is kept as four
/// 2×2 blocks (position k, velocity k): with the filter below every cross-coordinate term stays exactly
/// zero, so 12 numbers replace the 8×8 matrix.
/// </summary>
public struct KalmanState
{
    public Xyah Position, Velocity;
    /// <summary>Var(position k), Cov(position k, velocity k), Var(velocity k).</summary>
    public Xyah Ppp, Ppv, Pvv;

    public readonly void Corners(out float x1, out float y1, out float x2, out float y2)
    {
        double h = Position[3], w = Position[2] * h;
        x1 = (float)(Position[0] - w / 2); y1 = (float)(Position[1] - h / 2);
        x2 = (float)(Position[0] + w / 2); y2 = (float)(Position[1] + h / 2);
    }
}

/// <summary>
/// ByteTrack's (and DeepSORT's) constant-velocity Kalman filter on boxes as (centre x, centre y,
/// aspect ratio, height), dt = 1 frame, observation = the box itself. Noise is relative to the box height
/// (std 1/20·h for positions, 1/160·h for velocities; the aspect ratio has fixed stds 1e-2 / 1e-5 and a
/// measurement std of 1e-1), exactly as the reference. F = [[I, I], [0, I]], H = [I, 0] and every noise
/// matrix is diagonal, so the 8-D filter separates into four independent position/velocity pairs that
/// share the height-scaled noise: same numbers as the 8×8 equations (tested against them), no matrix work.
/// </summary>
public static class KalmanBoxFilter
{
    public const double StdWeightPosition = 1.0 / 20, StdWeightVelocity = 1.0 / 160;
    private const int Aspect = 2;

    /// <summary>New track from an unassociated box: velocities 0, stds 2·σp·h and 10·σv·h.</summary>
    public static KalmanState Initiate(in Xyah box)
    {
        var s = new KalmanState { Position = box };
        double h = box[3];
        for (int k = 0; k < 4; k++)
        {
            double sp = k == Aspect ? 1e-2 : 2 * StdWeightPosition * h;
            double sv = k == Aspect ? 1e-5 : 10 * StdWeightVelocity * h;
            s.Ppp[k] = sp * sp;
            s.Pvv[k] = sv * sv;
        }
        return s;
    }

    /// <summary>x ← F x, P ← F P Fᵀ + Q, with Q from the height before the step.</summary>
    public static void Predict(ref KalmanState s)
    {
        double h = s.Position[3];
        for (int k = 0; k < 4; k++)
        {
            double qp = k == Aspect ? 1e-2 : StdWeightPosition * h;
            double qv = k == Aspect ? 1e-5 : StdWeightVelocity * h;
            s.Position[k] += s.Velocity[k];
            double pvv = s.Pvv[k], ppv = s.Ppv[k];
            s.Ppp[k] += 2 * ppv + pvv + qp * qp;
            s.Ppv[k] = ppv + pvv;
            s.Pvv[k] = pvv + qv * qv;
        }
    }

    /// <summary>Correction with a measured box; R from the predicted height (project step of the reference).</summary>
    public static void Update(ref KalmanState s, in Xyah measured)
    {
        double h = s.Position[3];
        for (int k = 0; k < 4; k++)
        {
            double r = k == Aspect ? 1e-1 : StdWeightPosition * h;
            double ppp = s.Ppp[k], ppv = s.Ppv[k];
            double innovationVar = ppp + r * r;
            double kp = ppp / innovationVar, kv = ppv / innovationVar;
            double innovation = measured[k] - s.Position[k];
            s.Position[k] += kp * innovation;
            s.Velocity[k] += kv * innovation;
            s.Ppp[k] = ppp - kp * ppp;
            s.Ppv[k] = ppv - kp * ppv;
            s.Pvv[k] -= kv * ppv;
        }
    }
}
