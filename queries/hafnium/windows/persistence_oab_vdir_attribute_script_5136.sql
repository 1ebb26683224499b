/* ---
id: 1c7008a9-93b3-49f3-86f2-dc9699a3f3ff
name: "Exchange OAB virtual directory attribute containing script (Security 5136 on a domain controller)"
status: stable
severity: high
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [object_name, attribute_ldap_name]
description: >
  Sentinel "Exchange OAB Virtual Directory Attribute Containing Potential Webshell": a directory-service change (Security
  5136) on an msExchOABVirtualDirectory object whose msExchExternalHostName or msExchInternalHostName value contains
  script. Needs the domain controllers' Security logs with directory-service change auditing.
why_severity: >
  Sentinel rates it High.
false_positives:
  - None known.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/ExchangeOABVirtualDirectoryAttributeContainingPotentialWebshell.yaml
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       object_name, attribute_ldap_name, min(attribute_value) AS attribute_value, min(subject_user_name) AS subject_user_name
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND event_id = 5136 AND lower(channel) = 'security'
  AND lower(object_class) = 'msexchoabvirtualdirectory'
  AND lower(attribute_ldap_name) IN ('msexchexternalhostname', 'msexchinternalhostname')
  AND strpos(lower(attribute_value), 'script') > 0
GROUP BY agency, host, object_name, attribute_ldap_name
