{#- Every quarantined raw row, one union over the raw contract (raw_contract(), generated from
    docs/contracts/raw_sources.yml): tenant, source table, record key, the rule it broke, load
    time, and the whole raw record as JSON (raw_record) to fix it at the source. Nothing here
    reaches staging or the marts. A table added to the contract appears here with no edit. -#}
{{ contract_quarantine_union() }}
