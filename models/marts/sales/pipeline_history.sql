{#- The open pipeline as it stood at each month end, per tenant, month and
    stage: deals open at the first instant of the next month, their amount in
    USD at the month's rate, and amount x probability.
    - From snapshot (history_source 'snapshot'): month ends on or after the
      first build that snapshotted the tenant's opportunities read the
      version of each deal valid at that instant (snap_crm__opportunities), so
      stage, amount and probability are those of the time. A deal's first
      version counts from its creation: a deal created between two builds was
      open from its creation, not from the build that first saw it.
    - Reconstructed (history_source 'reconstructed'): earlier month ends have
      no recorded versions. Which deals were open is still exact (created
      before the instant, closed after it or never); their stage and
      probability then are not, so stage is 'unrecorded', the amount is the
      latest one and weighted_pipeline_usd is null.
    Complete months only; a month without open deals has no rows. -#}
-- depends_on: {{ ref('stg_crm__opportunities') }}
with

opportunity_versions as (
    {%- if execute and model.resource_type != 'unit_test'
        and load_relation(ref('snap_crm__opportunities')) is none %}
        -- no snapshot taken yet (`dbt run` before the first `dbt snapshot` or `dbt build`):
        -- no recorded versions, so every month is reconstructed
        select
            *,
            cast(null as {{ dbt.type_timestamp() }}) as dbt_valid_from,
            cast(null as {{ dbt.type_timestamp() }}) as dbt_valid_to
        from {{ ref('stg_crm__opportunities') }}
        where 1 = 0
    {%- else %}
        select * from {{ ref('snap_crm__opportunities') }}
    {%- endif %}
),

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

months as (select * from {{ ref('util_months') }}),

month_ends as (
    -- the instant a month's pipeline is read at: 00:00 on the next month's first day
    select
        month,
        cast({{ dbt.dateadd('month', 1, 'month') }} as {{ dbt.type_timestamp() }}) as month_end_at
    from months
),

history_starts as (
    -- the first build that snapshotted a tenant's opportunities: history exists from here on
    select
        tenant_id,
        min(dbt_valid_from) as history_started_at
    from opportunity_versions
    group by tenant_id
),

versions_numbered as (
    select
        opportunity_versions.*,
        row_number() over (
            partition by opportunity_versions.tenant_id, opportunity_versions.opportunity_id
            order by opportunity_versions.dbt_valid_from
        ) as version_number
    from opportunity_versions
),

versions_from_creation as (
    -- a deal created between two builds was open before the build that first saw it
    select
        tenant_id,
        opportunity_id,
        stage,
        amount,
        currency,
        probability,
        created_at,
        dbt_valid_to as valid_to,
        case
            when version_number = 1 and created_at < dbt_valid_from then created_at
            else dbt_valid_from
        end as valid_from
    from versions_numbered
),

snapshot_open_at_month_end as (
    select
        versions_from_creation.tenant_id,
        month_ends.month,
        versions_from_creation.stage,
        versions_from_creation.amount,
        versions_from_creation.currency,
        versions_from_creation.probability
    from versions_from_creation
    inner join history_starts
        on versions_from_creation.tenant_id = history_starts.tenant_id
    inner join month_ends
        on history_starts.history_started_at <= month_ends.month_end_at
        -- no deal is in the pipeline before it exists, whatever a version's validity says
        and versions_from_creation.created_at < month_ends.month_end_at
        and versions_from_creation.valid_from <= month_ends.month_end_at
        and (versions_from_creation.valid_to is null or versions_from_creation.valid_to > month_ends.month_end_at)
    where versions_from_creation.stage in ('prospecting', 'proposal', 'negotiation')
),

reconstructed_open_at_month_end as (
    select
        opportunities.tenant_id,
        month_ends.month,
        'unrecorded' as stage,
        opportunities.amount,
        opportunities.currency,
        cast(null as {{ dbt.type_int() }}) as probability
    from opportunities
    left join history_starts
        on opportunities.tenant_id = history_starts.tenant_id
    inner join month_ends
        on opportunities.created_at < month_ends.month_end_at
        and (opportunities.closed_at is null or opportunities.closed_at >= month_ends.month_end_at)
        and (history_starts.history_started_at is null or history_starts.history_started_at > month_ends.month_end_at)
),

open_at_month_end as (
    select
        'snapshot' as history_source,
        snapshot_open_at_month_end.*
    from snapshot_open_at_month_end
    union all
    select
        'reconstructed' as history_source,
        reconstructed_open_at_month_end.*
    from reconstructed_open_at_month_end
),

in_usd as (
    select
        open_at_month_end.tenant_id,
        open_at_month_end.month,
        open_at_month_end.stage,
        open_at_month_end.history_source,
        {{ to_usd('open_at_month_end.amount') }} as amount_usd,
        {{ to_usd('open_at_month_end.amount') }} * open_at_month_end.probability / 100.0
            as weighted_amount_usd
    from open_at_month_end
    {{ fx_rates_join('open_at_month_end.currency', 'open_at_month_end.month') }}
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month', 'stage']) }} as pipeline_history_key,
        tenant_id,
        month,
        stage,
        history_source,
        count(*) as open_opportunities,
        {{ as_money('sum(amount_usd)') }} as open_pipeline_usd,
        -- past probabilities exist only where versions were recorded
        {{ as_money("case when history_source = 'snapshot' then sum(weighted_amount_usd) end") }}
            as weighted_pipeline_usd
    from in_usd
    group by tenant_id, month, stage, history_source
)

select * from final
