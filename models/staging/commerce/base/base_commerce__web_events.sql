{#- Latest version of each raw_commerce.web_events record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key, unknown_enum, unknown_enum).
    stg_commerce__web_events keeps the clean rows, quarantine_commerce__web_events the rest. -#}

with

source as (select * from {{ source('raw_commerce', 'web_events') }}),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'event_id'], ['_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when latest.event_id is null then 'null_key'
            when
                lower(trim(latest.event_type)) not in (
                    'page_view', 'product_view', 'add_to_cart', 'checkout_started', 'purchase'
                )
                then 'unknown_enum'
            when
                lower(trim(latest.device)) not in (
                    'desktop', 'mobile', 'tablet'
                )
                then 'unknown_enum'
        end as quarantine_reason
    from latest
)

select * from checked
