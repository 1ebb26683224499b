/* ---
id: 6e9748a8-fcf3-4d42-90c1-7847b7a0cef9
name: "HAFNIUM-specific process artefacts (VSPerfMon, Opera_browser.exe, attrib +h +s +r on .aspx, makecab dumps, xx.bat, cw.exe)"
status: stable
severity: critical
cves: []
mitre: ["TA0002:T1059", "TA0005:T1564.001", "TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [artefact, command_line]
description: >
  Sigma "HAFNIUM Exchange Exploitation Activity" (critical): any one of attrib with +h +s +r on an .aspx file; an image
  under \ProgramData\VSPerfMon\ or a schtasks command line naming VSPerfMon (any image); 7-Zip with -t7z into
  C:\ProgramData\pst or writing \it.zip; Opera_browser.exe started by services/svchost or from
  Users\Public\opera\; vssadmin list shadows writing to Temp\__output; makecab packing an .dmp.zip from the web root or
  files under Microsoft\Exchange Server\, compressionmemory or .gif; comsvcs MiniDump full into \inetpub\wwwroot;
  Windows\Temp\xx.bat, Windows\WwanSvcdcs or Windows\Temp\cw.exe. The matching artefact is named in the row.
why_severity: >
  Sigma rates the rule critical: each artefact was seen only in HAFNIUM intrusions.
false_positives:
  - None known.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules-emerging-threats/2021/TA/HAFNIUM/proc_creation_win_apt_hafnium.yml
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, parent_image, command_line,
         lower(coalesce(image, '')) AS img, lower(coalesce(parent_image, '')) AS par, lower(coalesce(command_line, '')) AS cl
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
),
tagged AS (
  SELECT agency, host, event_time, image, command_line,
         CASE
           WHEN img LIKE '%\attrib.exe' AND strpos(cl, ' +h ') > 0 AND strpos(cl, ' +s ') > 0 AND strpos(cl, ' +r ') > 0
                AND strpos(cl, '.aspx') > 0 THEN 'attrib_hide_aspx'
           WHEN strpos(img, '\programdata\vsperfmon\') > 0 THEN 'vsperfmon_image'
           -- Sigma: schtasks and VSPerfMon on the command line, whatever the image (cmd /c schtasks ..., a renamed copy).
           WHEN strpos(cl, 'schtasks') > 0 AND strpos(cl, 'vsperfmon') > 0 THEN 'vsperfmon_task'
           -- Sigma's HAFNIUM 7-Zip selection: -t7z into C:\ProgramData\pst, or the it.zip archive.
           WHEN (strpos(cl, ' -t7z ') > 0 AND strpos(cl, 'c:\programdata\pst') > 0) OR strpos(cl, '\it.zip') > 0 THEN 'hafnium_7zip'
           WHEN img LIKE '%\opera_browser.exe' AND (par LIKE '%\services.exe' OR par LIKE '%\svchost.exe') THEN 'opera_browser_service'
           WHEN strpos(img, '\users\public\opera\') > 0 THEN 'opera_browser_public'
           WHEN strpos(cl, 'vssadmin list shadows') > 0 AND strpos(cl, 'temp\__output') > 0 THEN 'vssadmin_output'
           WHEN img LIKE '%\makecab.exe' AND ((strpos(cl, 'inetpub\wwwroot\') > 0 AND strpos(cl, '.dmp.zip') > 0)
                OR strpos(cl, 'microsoft\exchange server\') > 0 OR strpos(cl, 'compressionmemory') > 0
                OR strpos(cl, '.gif') > 0) THEN 'makecab_staging'
           WHEN strpos(cl, 'comsvcs') > 0 AND strpos(cl, 'minidump full') > 0 AND strpos(cl, '\inetpub\wwwroot') > 0 THEN 'comsvcs_dump_webroot'
           WHEN strpos(cl, 'windows\temp\xx.bat') > 0 OR strpos(img, 'windows\temp\xx.bat') > 0 THEN 'xx_bat'
           WHEN strpos(cl, 'windows\wwansvcdcs') > 0 OR strpos(img, 'windows\wwansvcdcs') > 0 THEN 'wwansvcdcs'
           WHEN strpos(cl, 'windows\temp\cw.exe') > 0 OR strpos(img, 'windows\temp\cw.exe') > 0 THEN 'cw_exe'
         END AS artefact
  FROM procs
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       artefact, command_line, min(image) AS image
FROM tagged
WHERE artefact IS NOT NULL
GROUP BY agency, host, artefact, command_line
