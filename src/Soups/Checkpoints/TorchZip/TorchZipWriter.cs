using System.Text;
using TorchSharp;

namespace Soups.Checkpoints.TorchZip;

/// <summary>Writes a state dict as a torch.save zip archive that <c>torch.load</c> reads (one storage per tensor).</summary>
public sealed class TorchZipWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, torch.Tensor> produce,
        IReadOnlyDictionary<string, string> metadata)
    {
        // torch.load takes the record prefix from the first entry; "archive/" is what torch >= 2.0 writes.
        var zip = new StoredZipWriter(output);
        zip.Add("archive/data.pkl", StateDictPickler.Pickle(layout));
        zip.Add("archive/byteorder", Encoding.ASCII.GetBytes("little"));
        for (var i = 0; i < layout.Count; i++)
        {
            var info = layout[i];
            // The tensor is made first and its CRC taken from memory, so no header is patched afterwards.
            using var tensor = produce(info);
            var crc = new System.IO.Hashing.Crc32();
            TensorData.ForEachSlice(tensor, (span, _) => crc.Append(span));
            zip.Add($"archive/data/{i}", info.ByteCount, crc.GetCurrentHashAsUInt32(), stream => TensorData.Write(tensor, stream));
        }
        zip.Add("archive/version", Encoding.ASCII.GetBytes("3\n"));
        zip.Finish();
    }
}
