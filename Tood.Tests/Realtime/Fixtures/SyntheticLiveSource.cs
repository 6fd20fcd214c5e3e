using OpenCvSharp;
using Tood.Realtime.Video;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>A live source that produces frames as fast as it can (faster than inference) and counts live Mats.</summary>
internal sealed class SyntheticLiveSource(int frames, int width, int height) : IFrameSource
{
    private int _produced;
    private long _alive, _maxAlive;
    public string Description => "synthetic";
    public bool IsLive => true;
    public int Width => width;
    public int Height => height;
    public double Fps => 1000;
    public long? FrameCount => null;
    public int Produced => _produced;
    public long Alive => Interlocked.Read(ref _alive);
    public long MaxAlive => Interlocked.Read(ref _maxAlive);

    public Mat? Read()
    {
        if (_produced >= frames) return null;
        var m = new TrackedMat(TestVideo.Frame(_produced++, width, height), this);
        long alive = Interlocked.Increment(ref _alive);
        long max;
        while (alive > (max = Interlocked.Read(ref _maxAlive)) && Interlocked.CompareExchange(ref _maxAlive, alive, max) != max) { }
        return m;
    }

    public bool Skip() { _produced++; return _produced <= frames; }
    public void Dispose() { }

    private sealed class TrackedMat : Mat
    {
        private readonly SyntheticLiveSource _owner;
        public TrackedMat(Mat src, SyntheticLiveSource owner) : base(src.Rows, src.Cols, src.Type())
        {
            _owner = owner;
            src.CopyTo(this);
            src.Dispose();
        }
        protected override void DisposeUnmanaged()
        {
            Interlocked.Decrement(ref _owner._alive);
            base.DisposeUnmanaged();
        }
    }
}
