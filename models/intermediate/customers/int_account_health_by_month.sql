{#- Each account's last health score of every month it was scored in (before
    as_of_date), with its band from seed health_bands: the one place scores
    become bands. -#}
with

health_scores as (select * from {{ ref('stg_crm__health_scores') }}),

health_bands as (select * from {{ ref('health_bands') }}),

ranked as (
    select
        tenant_id,
        account_id,
        cast({{ dbt.date_trunc('month', 'scored_on') }} as date) as month,
        scored_on,
        health_score,
        row_number() over (
            partition by tenant_id, account_id, cast({{ dbt.date_trunc('month', 'scored_on') }} as date)
            order by scored_on desc
        ) as score_rank
    from health_scores
    where scored_on < {{ as_of_date() }}
),

banded as (
    select
        ranked.tenant_id,
        ranked.account_id,
        ranked.month,
        ranked.scored_on,
        ranked.health_score,
        health_bands.health_band
    from ranked
    inner join health_bands
        on ranked.health_score between health_bands.min_score and health_bands.max_score
    where ranked.score_rank = 1
)

select * from banded
