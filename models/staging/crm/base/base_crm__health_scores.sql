{#- Generated from docs/contracts/raw_sources.yml by `warehouse contract sync`: edit the contract, not this file.
    Latest version of each raw_crm.health_scores record and the first contract rule it breaks
    (macros/contract/contract_checked.sql). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'account_id', 'scored_on'],
        on_schema_change='fail',
        tags=['daily_incremental'],
        indexes=([
            {'columns': ['_loaded_at']},
            {'columns': ['tenant_id', 'account_id', 'scored_on']},
        ] if target.type == 'postgres' else []),
        partition_by=({'field': '_loaded_at', 'data_type': 'timestamp', 'granularity': 'day'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'account_id', 'scored_on'] if target.type == 'bigquery' else none),
    )
}}
{{ contract_checked('raw_crm', 'health_scores') }}
