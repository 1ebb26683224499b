/* ---
id: 0cfe5e92-f371-474c-8d23-c9dcedb28391
name: "net group \"Exchange Organization Administrators\" ... /del run on a server (FireEye post-exploitation)"
status: experimental
severity: medium
cves: []
mitre: ["TA0003:T1098", "TA0040:T1531"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  FireEye reported attackers running net group "Exchange Organization administrators" administrator /del /domain after
  ProxyLogon exploitation, alongside adding domain accounts. Matches process creation of net.exe / net1.exe whose
  command line changes (/add or /del) the membership of an Exchange administrative group.
why_severity: >
  Administrators change these groups too, but rarely from an Exchange server's command line; suspicious (medium).
false_positives:
  - Administrators managing Exchange role groups with net.exe.
references:
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       command_line, min(parent_image) AS parent_image, min(process_user) AS process_user
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
  AND regexp_like(lower(image), '\\net1?\.exe$')
  AND regexp_like(lower(command_line), 'group\s+"?(exchange organization administrators|organization management|exchange trusted subsystem|exchange windows permissions)')
  AND regexp_like(lower(command_line), '\s/(del|delete|add)\b')
GROUP BY agency, host, command_line
