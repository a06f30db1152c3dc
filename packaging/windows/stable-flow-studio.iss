; Inno Setup script for Stable Flow Studio (Inno Setup 6).
; 1. On Windows, in a virtualenv with requirements.txt and pyinstaller: python packaging\build.py
; 2. "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\stable-flow-studio.iss
; The installer goes to dist\stable-flow-studio-<version>-windows-x64-setup.exe.

#define AppName "Stable Flow Studio"
#define AppId "stable-flow-studio"
#define AppVersion "0.1.0"
#define Publisher "Stable Flow Studio developers"

[Setup]
AppId={{8E0F6C1A-6B7E-4C55-9C1E-5F0A4D3B2A71}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher={#Publisher}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename={#AppId}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\build-icons\app.ico
UninstallDisplayIcon={app}\{#AppId}.exe
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
DiskSpanning=no
WizardStyle=modern
PrivilegesRequiredOverridesAllowed=dialog

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\{#AppId}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppId}.exe"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppId}.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppId}.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Settings, sessions and caches live in the user's profile and are kept; models stay in the Hugging Face cache.
Type: filesandordirs; Name: "{app}"
