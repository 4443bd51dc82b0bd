with

base as (select * from {{ ref('base_commerce__marketing_spend') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.spend_date', 'base.channel']) }} as marketing_spend_key,
        cast(base.spend_date as date) as spend_date,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(lower(trim(base.channel)), '') as {{ dbt.type_string() }}) as channel,
        cast(base.spend as {{ dbt.type_numeric() }}) as spend,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
