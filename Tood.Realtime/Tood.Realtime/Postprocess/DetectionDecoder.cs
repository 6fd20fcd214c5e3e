using System.Numerics;
using Tood.Realtime.Inference;

namespace Tood.Realtime.Postprocess;

/// <summary>
/// Turns one image's raw model outputs (boxes [A,4] in input pixels, scores [A,K]) into detections in source
/// pixels — the one decoder of training validation, <c>tood-train eval</c>, <c>tood-live</c> and the samples
/// (spec §6, mmdet port, P14): per level, keep (location, class) pairs with score &gt; threshold, then the top-k
/// pairs by score; with <see cref="DecodeOptions.ClipToImage"/> clip to the resized, unpadded image (deployment)
/// or not at all (mmdet evaluation); rescale to source pixels (÷ per-axis scale factor; clipped to the source
/// when clipping); drop boxes with w ≤ 0 or h ≤ 0 (mmdet 3.x min_bbox_size=0; with clipping this also removes
/// boxes lying entirely in the letterbox padding); class-aware NMS on the rescaled boxes; keep max-det.
/// Not thread-safe: holds reusable scratch buffers (one decoder per pipeline stage / caller).
/// </summary>
public sealed class DetectionDecoder
{
    private readonly Nms _nms = new();
    private float[] _heapScore = [];
    private int[] _heapIdx = [];
    private float[] _candBoxes = [], _candScores = [];
    private int[] _candClasses = [], _keep = [];

    public int Decode(ReadOnlySpan<float> boxes, ReadOnlySpan<float> scores, int numClasses, ReadOnlySpan<int> levelSizes,
                      DecodeOptions options, Letterbox letterbox, int srcWidth, int srcHeight,
                      IReadOnlyList<string> classNames, ICollection<Detection> output)
    {
        int numAnchors = boxes.Length / 4;
        if (boxes.Length != numAnchors * 4 || scores.Length != numAnchors * numClasses)
            throw new ArgumentException($"output sizes do not match: boxes {boxes.Length} floats, scores {scores.Length} floats, K={numClasses}");
        if (levelSizes.IsEmpty) levelSizes = new[] { numAnchors };
        int total = 0;
        foreach (var l in levelSizes) total += l;
        if (total != numAnchors) throw new ArgumentException($"level sizes sum to {total}, outputs have {numAnchors} anchors");

        int topK = options.PreNmsTopK;
        EnsureCapacity(topK, levelSizes.Length * topK);
        bool[]? allowed = null;
        if (options.Classes is { } cls)
        {
            allowed = new bool[numClasses];
            foreach (var c in cls) if ((uint)c < (uint)numClasses) allowed[c] = true;
        }

        bool clip = options.ClipToImage;
        float clipW = letterbox.ResizedWidth, clipH = letterbox.ResizedHeight;
        int nCand = 0, start = 0;
        foreach (int levelSize in levelSizes)
        {
            int heapSize = SelectTopK(scores.Slice(start * numClasses, levelSize * numClasses), numClasses, options.ScoreThreshold, allowed, topK);
            for (int h = 0; h < heapSize; h++)
            {
                int pair = _heapIdx[h];
                int a = start + pair / numClasses;
                float x1 = boxes[4 * a], y1 = boxes[4 * a + 1], x2 = boxes[4 * a + 2], y2 = boxes[4 * a + 3];
                if (clip) // spec §6 step 3: clip to the resized unpadded image.
                    (x1, y1, x2, y2) = (Math.Clamp(x1, 0, clipW), Math.Clamp(y1, 0, clipH), Math.Clamp(x2, 0, clipW), Math.Clamp(y2, 0, clipH));
                (x1, y1, x2, y2) = letterbox.ToSource(x1, y1, x2, y2, srcWidth, srcHeight, clip);
                if (!(x2 - x1 > 0) || !(y2 - y1 > 0)) continue;
                _candBoxes[4 * nCand] = x1; _candBoxes[4 * nCand + 1] = y1; _candBoxes[4 * nCand + 2] = x2; _candBoxes[4 * nCand + 3] = y2;
                _candScores[nCand] = _heapScore[h];
                _candClasses[nCand] = pair % numClasses;
                nCand++;
            }
            start += levelSize;
        }

        int kept = _nms.Run(_candBoxes, _candScores, _candClasses, nCand, options.IouThreshold, options.MaxDetections, _keep);
        for (int i = 0; i < kept; i++)
        {
            int c = _keep[i];
            int k = _candClasses[c];
            output.Add(new Detection(_candBoxes[4 * c], _candBoxes[4 * c + 1], _candBoxes[4 * c + 2], _candBoxes[4 * c + 3], _candScores[c], k,
                k < classNames.Count ? classNames[k] : k.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return kept;
    }

    /// <summary>
    /// Bounded min-heap selection of the k best (anchor, class) pairs with score &gt; threshold.
    /// Rows whose K scores are all ≤ threshold are skipped with a SIMD compare (the common case).
    /// Ties keep the lower pair index. Returns the heap size; entries are in _heapScore/_heapIdx (unordered).
    /// </summary>
    private int SelectTopK(ReadOnlySpan<float> scores, int k, float threshold, bool[]? allowed, int topK)
    {
        int rows = scores.Length / k, size = 0;
        var thr = new Vector<float>(threshold);
        int vw = Vector<float>.Count;
        for (int r = 0; r < rows; r++)
        {
            var row = scores.Slice(r * k, k);
            int j = 0;
            bool any = false;
            for (; j + vw <= k; j += vw)
                if (Vector.GreaterThanAny(new Vector<float>(row.Slice(j, vw)), thr)) { any = true; break; }
            if (!any)
            {
                for (j = k - k % vw; j < k; j++) if (row[j] > threshold) { any = true; break; }
                if (!any) continue;
            }
            for (int c = 0; c < k; c++)
            {
                float s = row[c];
                if (!(s > threshold) || (allowed is not null && !allowed[c])) continue;
                int idx = r * k + c;
                if (size < topK) { HeapPush(size++, s, idx); }
                else if (s > _heapScore[0]) { _heapScore[0] = s; _heapIdx[0] = idx; SiftDown(size); }
            }
        }
        return size;
    }

    // Min-heap on (score asc, index desc): the root is the entry evicted first.
    private bool Less(int a, int b) => _heapScore[a] < _heapScore[b] || (_heapScore[a] == _heapScore[b] && _heapIdx[a] > _heapIdx[b]);

    private void HeapPush(int pos, float s, int idx)
    {
        _heapScore[pos] = s; _heapIdx[pos] = idx;
        while (pos > 0)
        {
            int parent = (pos - 1) / 2;
            if (!Less(pos, parent)) break;
            Swap(pos, parent); pos = parent;
        }
    }

    private void SiftDown(int size)
    {
        int pos = 0;
        while (true)
        {
            int l = 2 * pos + 1, r = l + 1, m = pos;
            if (l < size && Less(l, m)) m = l;
            if (r < size && Less(r, m)) m = r;
            if (m == pos) return;
            Swap(pos, m); pos = m;
        }
    }

    private void Swap(int a, int b)
    {
        (_heapScore[a], _heapScore[b]) = (_heapScore[b], _heapScore[a]);
        (_heapIdx[a], _heapIdx[b]) = (_heapIdx[b], _heapIdx[a]);
    }

    private void EnsureCapacity(int topK, int maxCand)
    {
        if (_heapScore.Length < topK) { _heapScore = new float[topK]; _heapIdx = new int[topK]; }
        if (_candScores.Length < maxCand)
        {
            _candBoxes = new float[maxCand * 4]; _candScores = new float[maxCand];
            _candClasses = new int[maxCand]; _keep = new int[maxCand];
        }
    }

    /// <summary>Anchors per level for an input of <paramref name="width"/>×<paramref name="height"/>: ceil(H/s)·ceil(W/s) (CONTEXT conventions).</summary>
    public static int[] LevelSizes(int width, int height, IReadOnlyList<int> strides)
    {
        var sizes = new int[strides.Count];
        for (int i = 0; i < sizes.Length; i++)
            sizes[i] = ((height + strides[i] - 1) / strides[i]) * ((width + strides[i] - 1) / strides[i]);
        return sizes;
    }
}
