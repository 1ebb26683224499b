/* ---
id: 9402f0aa-4622-4810-aa0a-7fa37c750690
name: "China Chopper web-shell command patterns (&whoami&echo, &echo [S], cd /d aspnet_client)"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003", "TA0002:T1059.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  The command lines China Chopper generates (Sigma "Chopper Webshell Process Pattern"): with w3wp.exe as the image or
  the parent, a command line containing &ipconfig&echo, &quser&echo, &whoami&echo, &c:&echo, &cd&echo, &dir&echo,
  &echo [E] or &echo [S]. Also signature-base's clean-up traces: cmd.exe /c cd /d C:\inetpub\wwwroot\aspnet_client,
  or two of aspnet_client&del ', aspnet_client&attrib +h +s +r and &echo [S] (any parent).
why_severity: >
  Sigma rates it high; the patterns are specific to the web shell's command wrapper.
false_positives:
  - None known.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_webshell_chopper.yml
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium_log_sigs.yar
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, parent_image, command_line, lower(command_line) AS cl,
         (lower(image) LIKE '%\w3wp.exe' OR lower(parent_image) LIKE '%\w3wp.exe') AS from_w3wp
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND command_line IS NOT NULL
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       command_line, min(image) AS image, min(parent_image) AS parent_image
FROM procs
WHERE (from_w3wp AND regexp_like(cl, '&(ipconfig|quser|whoami|c:|cd|dir)&echo|&echo \[[es]\]'))
   -- signature-base clean-up rule: the cd into aspnet_client (either slash), or two of the three traces.
   OR regexp_like(cl, 'cmd(\.exe)? +/c +cd +/d +"?c:[\\/]inetpub[\\/]wwwroot[\\/]aspnet_client')
   OR ((CASE WHEN strpos(cl, 'aspnet_client&del ''') > 0 THEN 1 ELSE 0 END)
       + (CASE WHEN strpos(cl, 'aspnet_client&attrib +h +s +r ') > 0 THEN 1 ELSE 0 END)
       + (CASE WHEN strpos(cl, '&echo [s]') > 0 THEN 1 ELSE 0 END)) >= 2
GROUP BY agency, host, command_line
