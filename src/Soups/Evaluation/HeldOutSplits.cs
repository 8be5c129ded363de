namespace Soups.Evaluation;

/// <summary>Opens a held-out split from what the user named: a tensor file, or an image folder with a preset.</summary>
public static class HeldOutSplits
{
    /// <summary>
    /// Opens <paramref name="path"/>; <paramref name="preprocess"/> is required for image folders. A torch.save file
    /// whose pickle names what only an attack uses is refused unless <paramref name="allowUnsafeGlobals"/>, as a
    /// checkpoint is.
    /// </summary>
    public static IHeldOutSplit Open(string path, string? preprocess, string? maskPath, int threads = 0, bool allowUnsafeGlobals = false)
    {
        var mask = maskPath is null ? null : SubsetMask.Load(maskPath);
        if (Directory.Exists(path))
        {
            if (preprocess is null)
                throw new OptionException("preprocess", $"{path} is an image folder: name a preprocessing ({string.Join(", ", ImagePreprocessing.Presets.Select(p => p.Name))})");
            return ImageFolderSplit.Open(path, ImagePreprocessing.Named(preprocess), mask, maskPath, threads);
        }
        FileSystem.InputFiles.RequireReadable(path);
        return TensorFileSplit.Open(path, mask, maskPath, allowUnsafeGlobals);
    }
}
