#!/bin/sh
# Build "Stable Flow Studio.app" and wrap it in a .dmg with an Applications shortcut.
# Run on macOS from the repository root, in a virtualenv with requirements.txt and pyinstaller:
#   python packaging/build.py            # builds dist/Stable Flow Studio.app (the spec adds the bundle on macOS)
#   sh packaging/macos/build_dmg.sh
set -eu
app="dist/Stable Flow Studio.app"
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml)
[ -d "$app" ] || { echo "missing $app: run python packaging/build.py first" >&2; exit 1; }
# An .icns from the rendered PNGs (iconutil ships with macOS).
iconset=packaging/build-icons/app.iconset
mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    cp "packaging/build-icons/app-$size.png" "$iconset/icon_${size}x${size}.png"
done
iconutil -c icns "$iconset" -o packaging/build-icons/app.icns
staging=$(mktemp -d)
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "Stable Flow Studio" -srcfolder "$staging" -ov -format UDZO \
    "dist/stable-flow-studio-$version-macos.dmg"
rm -rf "$staging"
echo "wrote dist/stable-flow-studio-$version-macos.dmg"
# Signing and notarisation (needs an Apple Developer ID):
#   codesign --deep --force --options runtime --sign "Developer ID Application: ..." "$app"
#   xcrun notarytool submit dist/stable-flow-studio-$version-macos.dmg --keychain-profile ... --wait
