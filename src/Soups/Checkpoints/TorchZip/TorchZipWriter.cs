using System.Text;

namespace Soups.Checkpoints.TorchZip;

/// <summary>Writes a state dict as a torch.save zip archive that <c>torch.load</c> reads (one storage per tensor).</summary>
public sealed class TorchZipWriter : ICheckpointWriter
{
    /// <inheritdoc />
    public void Write(Stream output, IReadOnlyList<TensorInfo> layout, Func<TensorInfo, TensorBytes> produce,
        IReadOnlyDictionary<string, string> metadata, Func<IReadOnlyDictionary<string, string>>? finalMetadata = null)
    {
        // torch.load takes the record prefix from the first entry; "archive/" is what torch >= 2.0 writes.
        var zip = new StoredZipWriter(output);
        zip.Add("archive/data.pkl", StateDictPickler.Pickle(layout));
        zip.Add("archive/byteorder", Encoding.ASCII.GetBytes("little"));
        for (var i = 0; i < layout.Count; i++)
        {
            var info = layout[i];
            // The tensor is made first and its CRC taken from memory, so no header is patched afterwards.
            using var bytes = produce(info);
            zip.Add($"archive/data/{i}", info.ByteCount, bytes.Crc32(), bytes.WriteTo);
        }
        zip.Add("archive/version", Encoding.ASCII.GetBytes("3\n"));
        zip.Finish();
    }
}
