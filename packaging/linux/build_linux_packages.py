"""Turn the frozen folder (dist/stable-flow-studio/) into a .tar.gz and a .deb.

    python packaging/linux/build_linux_packages.py

Both carry the .desktop entry and the icon. The .deb installs the app to
/opt/stable-flow-studio, a launcher to /usr/bin, the menu entry and hicolor icons.
The .tar.gz unpacks to one folder with an install.sh that does the same for one user.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app_info import APP_ID, DESCRIPTION, DIST_DIR, FROZEN_DIR, PUBLISHER, version  # noqa: E402
from icons import render_all  # noqa: E402

HERE = Path(__file__).resolve().parent
# What Qt's xcb platform plugin and the bundled libraries need from the system.
DEB_DEPENDS = ", ".join([
    "libc6", "libgl1", "libegl1", "libfontconfig1", "libfreetype6", "libdbus-1-3", "libglib2.0-0",
    "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
    "libxcb-image0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-xkb1",
])

USER_INSTALL = f"""#!/bin/sh
# Installs Stable Flow Studio for the current user (no root needed).
set -e
here=$(cd "$(dirname "$0")" && pwd)
prefix="${{XDG_DATA_HOME:-$HOME/.local/share}}"
mkdir -p "$HOME/.local/bin" "$prefix/applications" "$prefix/icons/hicolor/256x256/apps"
ln -sf "$here/{APP_ID}/{APP_ID}" "$HOME/.local/bin/{APP_ID}"
cp "$here/{APP_ID}.desktop" "$prefix/applications/"
cp "$here/{APP_ID}.png" "$prefix/icons/hicolor/256x256/apps/{APP_ID}.png"
echo "Installed. Start it from the menu or run {APP_ID} (make sure ~/.local/bin is on PATH)."
"""


def build_tarball(icons: dict[int, Path]) -> Path:
    """dist/stable-flow-studio-<version>-linux-x86_64.tar.gz."""
    target = DIST_DIR / f"{APP_ID}-{version()}-linux-x86_64.tar.gz"
    with tempfile.TemporaryDirectory() as staging:
        extras = Path(staging)
        (extras / "install.sh").write_text(USER_INSTALL)
        (extras / "install.sh").chmod(0o755)
        with tarfile.open(target, "w:gz") as archive:
            top = f"{APP_ID}-{version()}"
            archive.add(FROZEN_DIR, arcname=f"{top}/{APP_ID}")
            archive.add(HERE / f"{APP_ID}.desktop", arcname=f"{top}/{APP_ID}.desktop")
            archive.add(icons[256], arcname=f"{top}/{APP_ID}.png")
            archive.add(extras / "install.sh", arcname=f"{top}/install.sh")
    return target


def build_deb(icons: dict[int, Path]) -> Path:
    """dist/stable-flow-studio_<version>_amd64.deb, built with dpkg-deb."""
    target = DIST_DIR / f"{APP_ID}_{version()}_amd64.deb"
    with tempfile.TemporaryDirectory() as staging:
        root = Path(staging) / "root"
        shutil.copytree(FROZEN_DIR, root / "opt" / APP_ID, symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / APP_ID).symlink_to(f"/opt/{APP_ID}/{APP_ID}")
        applications = root / "usr" / "share" / "applications"
        applications.mkdir(parents=True)
        shutil.copy(HERE / f"{APP_ID}.desktop", applications)
        for size, png in icons.items():
            folder = root / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
            folder.mkdir(parents=True)
            shutil.copy(png, folder / f"{APP_ID}.png")
        installed_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(
            f"Package: {APP_ID}\nVersion: {version()}\nSection: graphics\nPriority: optional\n"
            f"Architecture: amd64\nDepends: {DEB_DEPENDS}\nInstalled-Size: {installed_kb}\n"
            f"Maintainer: {PUBLISHER} <noreply@invalid>\nDescription: {DESCRIPTION}\n"
            " A local desktop photo editor. Models are downloaded on first use into the\n"
            " Hugging Face cache; none are bundled.\n"
        )
        subprocess.run(["dpkg-deb", "--build", "--root-owner-group", "-Zxz", "-z1", str(root), str(target)],
                       check=True, capture_output=True)
    return target


def main() -> int:
    """Build both packages from an existing frozen folder."""
    if not FROZEN_DIR.is_dir():
        raise SystemExit(f"{FROZEN_DIR} does not exist: run python packaging/build.py first")
    icons = render_all(DIST_DIR / "icons")
    for package in (build_tarball(icons), build_deb(icons)):
        print(f"wrote {package} ({package.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
