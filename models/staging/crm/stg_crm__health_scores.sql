with

base as (select * from {{ ref('base_crm__health_scores') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.account_id', 'base.scored_on']) }} as health_score_key,
        cast(base.account_id as {{ dbt.type_string() }}) as account_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.scored_on as date) as scored_on,
        cast(base.score as {{ dbt.type_int() }}) as health_score,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
