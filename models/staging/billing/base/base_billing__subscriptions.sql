{#- Latest version of each raw_billing.subscriptions record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, end_before_start, orphan_fk, out_of_range dates).
    stg_billing__subscriptions keeps the clean rows, quarantine_billing__subscriptions the rest. -#}

with

source as (select * from {{ source('raw_billing', 'subscriptions') }}),

customers_keys as (
    select distinct
        tenant_id,
        id
    from {{ source('raw_billing', 'customers') }}
    where id is not null and trim(id) != ''  -- a blank key identifies nothing
),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'id'], ['updated_at', '_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when
                latest.id is null or trim(cast(latest.id as {{ dbt.type_string() }})) = ''
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when
                lower(trim(latest.status)) not in (
                    'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete'
                )
                then 'unknown_enum'
            when
                latest.ended_at < latest.start_date
                or latest.current_period_end < latest.current_period_start
                or latest.trial_end < latest.trial_start
                then 'end_before_start'
            when customers_keys.id is null then 'orphan_fk'
            when {{ out_of_range_dates(
                'latest.',
                ['created_at', 'start_date', 'canceled_at'],
                ['trial_start', 'trial_end', 'ended_at', 'current_period_start', 'current_period_end']) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join customers_keys
        on latest.tenant_id = customers_keys.tenant_id
        and latest.customer_id = customers_keys.id
)

select * from checked
