{#- Generated from docs/contracts/raw_sources.yml by `warehouse contract sync`: edit the contract, not this file.
    Latest version of each raw_messaging.handoffs record and the first contract rule it breaks
    (macros/contract/contract_checked.sql). -#}
{{ contract_checked('raw_messaging', 'handoffs') }}
