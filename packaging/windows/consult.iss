; Inno Setup 6 script: a Windows installer for the one-folder program.
;
; On Windows, from the checkout, after `py packaging\build.py` has built dist\consult\:
;   iscc /DAppVersion=0.1.0 packaging\windows\consult.iss
; writes dist\consult-0.1.0-setup.exe (see packaging/README.md).
;
; The installer copies dist\consult\ to Program Files (or, for a user without admin rights who
; chooses "only for me", to their own programs folder) and adds a Start-menu entry. The
; uninstaller removes only the program's files. The clinic's records, drafts, backups and
; settings live in each user's %LOCALAPPDATA%\consult folder (platformdirs; or wherever
; CONSULT_DATA_DIR points) and are never removed, by an upgrade or by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Consult"
#define AppExe "consult.exe"

[Setup]
; A fixed id: upgrades and the uninstaller find the installed copy by it. Never change it.
AppId={{C47027FF-9910-40F9-A7B6-C2E8D480B7A6}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The consult developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for all users as an administrator; a user without admin rights may install for
; themselves instead.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
; Qt 6 needs 64-bit Windows 10 or later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=consult.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; Paths below are relative to this script's folder.
OutputDir=..\..\dist
OutputBaseFilename=consult-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An open Consult is asked to close before its files are replaced (Restart Manager).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "spanish"; MessagesFile: "compiler:Languages\Spanish.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the program whole: no file of an older version may linger among the new
; ones. Only the program's own folder: the data is elsewhere.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\consult\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Microneedling consultations and the patient's plan"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; There is deliberately no [UninstallDelete] section: the uninstaller removes the files it
; installed and nothing else, so the clinic's data folder is kept.

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
    MsgBox('Consult has been removed. The clinic''s records were kept: they are in each ' +
      'user''s %LOCALAPPDATA%\consult folder (or where CONSULT_DATA_DIR points). Delete that ' +
      'folder yourself only once you have a backup you no longer need to restore.',
      mbInformation, MB_OK);
end;
