using Tood.Train.Pretrained;
using Tood.Train.Pretrained.TorchSave;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Pretrained;

/// <summary>
/// The torch.save reader on files in both layouts written by <see cref="TorchSaveFixture"/>: values are checked
/// against views computed by hand from the storages (offset + Σ index·stride), not against the reader's own ops.
/// </summary>
public class TorchSaveArchiveTests
{
    public static TheoryData<TorchSaveLayout> Layouts => [TorchSaveLayout.Zip, TorchSaveLayout.Legacy];

    private static readonly float[] A = [.. Enumerable.Range(0, 12).Select(i => i * 1.5f - 3)];

    // Expected values of a strided view, by hand.
    private static float[] View(float[] storage, long offset, long[] shape, long[] stride)
    {
        var result = new List<float>();
        void Walk(int dim, long at)
        {
            if (dim == shape.Length) { result.Add(storage[at]); return; }
            for (long i = 0; i < shape[dim]; i++) Walk(dim + 1, at + i * stride[dim]);
        }
        Walk(0, offset);
        return [.. result];
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Shared_storages_offsets_strides_and_dtypes_come_back_exactly(TorchSaveLayout layout)
    {
        using var dir = new TempDir();
        var a = FixtureStorage.Float(A);
        var h = FixtureStorage.Half((Half)0.5f, (Half)(-2f), Half.MaxValue, (Half)1e-3f);
        var l = FixtureStorage.Long(0, 1L << 40, -5);
        var views = new (string Key, FixtureTensor T)[]
        {
            ("a.full", FixtureTensor.Contiguous(a, 3, 4)),
            ("a.rows12", new FixtureTensor(a, 4, [2, 4], [4, 1])),        // shares a, storage offset 4
            ("a.transposed", new FixtureTensor(a, 0, [4, 3], [1, 4])),     // non-contiguous
            ("a.column1", new FixtureTensor(a, 1, [3], [4])),              // offset and stride
            ("h.weight", FixtureTensor.Contiguous(h, 2, 2)),
            ("bn.num_batches_tracked", new FixtureTensor(l, 1, [], [])),   // 0-dim int64 at offset 1
        };
        var pth = dir.File("views.pth");
        TorchSaveFixture.Write(pth, new FixtureDict(true, [.. views.Select(v => ((object)v.Key, (object?)v.T))]), layout);

        using var file = WeightFile.Read(pth);
        Assert.Equal(layout == TorchSaveLayout.Zip ? WeightFileFormat.PyTorch : WeightFileFormat.PyTorchLegacy, file.Format);
        Assert.Equal("flat", file.Layout);
        Assert.Equal(views.Select(v => v.Key), file.Tensors.Keys); // file order kept
        foreach (var (key, v) in views.Take(4))
        {
            var t = file.Tensors[key];
            Assert.Equal(ScalarType.Float32, t.dtype);
            Assert.Equal(v.Shape, t.shape);
            Assert.True(t.is_contiguous());
            Assert.Equal(View(A, v.Offset, v.Shape, v.Stride), t.data<float>().ToArray());
        }
        Assert.Equal([-3f, -1.5f, 0f, 1.5f, 3f, 4.5f, 6f, 7.5f, 9f, 10.5f, 12f, 13.5f], file.Tensors["a.full"].data<float>().ToArray());
        Assert.Equal([-1.5f, 4.5f, 10.5f], file.Tensors["a.column1"].data<float>().ToArray());
        Assert.Equal(ScalarType.Float16, file.Tensors["h.weight"].dtype);
        Assert.Equal([(Half)0.5f, (Half)(-2f), Half.MaxValue, (Half)1e-3f], file.Tensors["h.weight"].data<Half>().ToArray());
        var counter = file.Tensors["bn.num_batches_tracked"];
        Assert.Equal((ScalarType.Int64, 0L), (counter.dtype, counter.dim()));
        Assert.Equal(1L << 40, counter.item<long>());
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Mmcv_checkpoint_keeps_the_state_dict_class_names_and_config_and_skips_the_rest(TorchSaveLayout layout)
    {
        using var dir = new TempDir();
        const string config = "model = dict(\n    type='TOOD',\n    bbox_head=dict(type='TOODHead', num_classes=2, anchor_type='anchor_free'))\n";
        var w = FixtureStorage.Float(1, 2, 3, 4, 5, 6);
        var momentum = FixtureStorage.Float(9, 9, 9, 9, 9, 9);
        var root = new FixtureDict(false,
            ("meta", new FixtureDict(false,
                ("mmdet_version", "2.20.0"), ("CLASSES", new object?[] { "person", "bicycle" }), ("config", config),
                ("epoch", 12), ("iter", 87960), ("hook_msgs", new FixtureDict(false, ("best_score", 0.424))))),
            ("state_dict", new FixtureDict(true, ("bbox_head.tood_cls.weight", FixtureTensor.Contiguous(w, 2, 3)),
                ("bbox_head.tood_cls.bias", new FixtureTensor(w, 4, [2], [1])))),
            ("optimizer", new FixtureDict(false,
                ("state", new FixtureDict(false, (0, new FixtureDict(false, ("momentum_buffer", FixtureTensor.Contiguous(momentum, 6)))))),
                ("param_groups", new List<object?> { new FixtureDict(false, ("lr", 0.01), ("params", new List<object?> { 0, 1 })) }))));
        var pth = dir.File("epoch_12.pth");
        TorchSaveFixture.Write(pth, root, layout);

        using var file = WeightFile.Read(pth);
        Assert.Equal("state_dict", file.Layout);
        Assert.Equal(["person", "bicycle"], file.ClassNames);
        Assert.Equal(config, file.ConfigText);
        Assert.Equal(["bbox_head.tood_cls.weight", "bbox_head.tood_cls.bias"], file.Tensors.Keys);
        Assert.Equal([5f, 6f], file.Tensors["bbox_head.tood_cls.bias"].data<float>().ToArray());
        Assert.False(ToodVariant.Detect(file).AnchorBased);
    }

    [Fact]
    public void Legacy_file_cut_inside_a_storage_is_one_line_naming_the_file_and_the_storage()
    {
        using var dir = new TempDir();
        var pth = dir.File("cut.pth");
        TorchSaveFixture.Write(pth, new FixtureDict(true, ("w", FixtureTensor.Contiguous(FixtureStorage.Float(A), 12))), TorchSaveLayout.Legacy);
        var bytes = File.ReadAllBytes(pth);
        File.WriteAllBytes(pth, bytes[..^10]);
        var e = Assert.Throws<WeightsException>(() => WeightFile.Read(pth));
        Assert.StartsWith($"cannot read PyTorch (legacy torch.save) weight file '{pth}': truncated: storage '", e.Message);
        Assert.Contains($"the file has {bytes.Length - 10}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Legacy_file_cut_inside_the_object_pickle_and_a_foreign_pickle_are_refused_clearly()
    {
        using var dir = new TempDir();
        var pth = dir.File("cut.pth");
        TorchSaveFixture.Write(pth, new FixtureDict(true, ("w", FixtureTensor.Contiguous(FixtureStorage.Float(A), 12))), TorchSaveLayout.Legacy);
        File.WriteAllBytes(pth, File.ReadAllBytes(pth)[..120]);
        var e = Assert.Throws<WeightsException>(() => WeightFile.Read(pth));
        Assert.Matches(@"^cannot read PyTorch \(legacy torch.save\) weight file '.*cut\.pth': truncated: the pickle ends at byte 120 before its STOP opcode$", e.Message);

        var other = dir.File("not_torch.pkl");
        File.WriteAllBytes(other, [0x80, 0x02, (byte)'K', 42, (byte)'.']);     // pickle.dumps(42, 2)
        e = Assert.Throws<WeightsException>(() => WeightFile.Read(other));
        Assert.EndsWith("a pickle whose first value is 42, not the torch.save magic number 0x1950a86a20f9469cfc6c", e.Message);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_view_past_its_storage_names_the_tensor(TorchSaveLayout layout)
    {
        using var dir = new TempDir();
        var pth = dir.File("bad_view.pth");
        TorchSaveFixture.Write(pth, new FixtureDict(true, ("neck.w", new FixtureTensor(FixtureStorage.Float(A), 6, [2, 4], [4, 1]))), layout);
        var e = Assert.Throws<WeightsException>(() => WeightFile.Read(pth));
        Assert.EndsWith("tensor 'neck.w': view (offset 6, shape [2,4], stride [4,1]) reaches element 13 of a 12-element storage '"
            + (layout == TorchSaveLayout.Zip ? "0" : "940000000") + "'", e.Message);
    }

    [Fact]
    public void Truncated_zip_is_one_line()
    {
        using var dir = new TempDir();
        var pth = dir.File("cut.pth");
        TorchSaveFixture.Write(pth, new FixtureDict(true, ("w", FixtureTensor.Contiguous(FixtureStorage.Float(A), 12))), TorchSaveLayout.Zip);
        File.WriteAllBytes(pth, File.ReadAllBytes(pth)[..200]);
        var e = Assert.Throws<WeightsException>(() => WeightFile.Read(pth));
        Assert.StartsWith($"cannot read PyTorch (zip) weight file '{pth}': ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
