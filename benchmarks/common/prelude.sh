# Sourced by the benchmarks' run.sh scripts after they set `here` (their folder), `root` (the repository) and
# `modules` (the Python modules they need): checks Debian's /usr/bin/python3 (not a pyenv/venv python3 earlier on
# PATH; nothing comes from PyPI) and the .NET SDK, then builds soup (Release, ReadyToRun) into $here/work/bin. Sets `py`.
py=/usr/bin/python3
if [[ ! -x "$py" ]] || ! "$py" -c "import ${modules// /, }" >/dev/null 2>&1; then
    packages=$(for m in $modules; do case $m in PIL) echo -n "python3-pil ";; *) echo -n "python3-$m ";; esac; done)
    echo "run.sh: $py cannot import ${modules// /, }; this benchmark uses Debian's packages: sudo apt-get install $packages" >&2
    exit 2
fi
command -v dotnet >/dev/null 2>&1 || { echo "run.sh: dotnet not found; install the .NET 10 SDK (see README.md)" >&2; exit 2; }
mkdir -p "$here/work"
# Built as the README installs it: published for linux-x64 with ReadyToRun code (less start-up JIT).
echo "building soup (Release, ReadyToRun, as the README installs it) into ${here#"$root"/}/work/bin ..."
dotnet publish "$root/src/Soups.Cli" -c Release -r linux-x64 --self-contained false -o "$here/work/bin" -nologo -v quiet -clp:ErrorsOnly
