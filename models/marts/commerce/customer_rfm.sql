{#- RFM per tenant and store customer with at least one paid order, exactly
    as docs/contracts/marts.md: recency, frequency and monetary value as of
    var rfm_as_of_date (default: the day after the tenant's latest paid
    order), scores 1-5 from rank() and n with ties sharing the lowest rank,
    and the first segment of seed rfm_segments, in its order, whose ranges
    contain the scores ('other' when none does). -#}
{%- set rfm_as_of = var('rfm_as_of_date', '') | string | trim -%}
with

orders as (select * from {{ ref('fct_orders') }}),

segments as (select * from {{ ref('rfm_segments') }}),

paid_orders as (
    select
        tenant_id,
        customer_id,
        order_date,
        net_revenue_usd
    from orders
    where is_paid and customer_id is not null
),

as_of as (
    select
        tenant_id,
        {% if rfm_as_of not in ('', 'None', 'none') -%}
            cast('{{ rfm_as_of }}' as date)
        {%- else -%}
            cast({{ dbt.dateadd('day', 1, 'max(order_date)') }} as date)
        {%- endif %} as rfm_as_of_date
    from paid_orders
    group by tenant_id
),

customer_values as (
    select
        paid_orders.tenant_id,
        paid_orders.customer_id,
        as_of.rfm_as_of_date,
        max(paid_orders.order_date) as last_order_date,
        count(*) as frequency,
        sum(paid_orders.net_revenue_usd) as monetary
    from paid_orders
    inner join as_of
        on paid_orders.tenant_id = as_of.tenant_id
    where paid_orders.order_date < as_of.rfm_as_of_date
    group by paid_orders.tenant_id, paid_orders.customer_id, as_of.rfm_as_of_date
),

with_recency as (
    select
        customer_values.*,
        {{ dbt.datediff('customer_values.last_order_date', 'customer_values.rfm_as_of_date', 'day') }}
            as recency_days
    from customer_values
),

ranked as (
    select
        with_recency.*,
        count(*) over (partition by with_recency.tenant_id) as tenant_customers,
        rank() over (partition by with_recency.tenant_id order by with_recency.recency_days desc) as recency_rank,
        rank() over (partition by with_recency.tenant_id order by with_recency.frequency) as frequency_rank,
        rank() over (partition by with_recency.tenant_id order by with_recency.monetary) as monetary_rank
    from with_recency
),

scored as (
    -- score = least(5, 1 + floor(5.0 * (rank - 1) / (n - 1))); 3 when the tenant has one customer
    select
        ranked.*,
        case
            when ranked.tenant_customers = 1 then 3
            else least(5, 1 + cast(floor(
                cast(5 * (ranked.recency_rank - 1) as {{ type_double() }}) / (ranked.tenant_customers - 1)
            ) as {{ dbt.type_int() }}))
        end as r_score,
        case
            when ranked.tenant_customers = 1 then 3
            else least(5, 1 + cast(floor(
                cast(5 * (ranked.frequency_rank - 1) as {{ type_double() }}) / (ranked.tenant_customers - 1)
            ) as {{ dbt.type_int() }}))
        end as f_score,
        case
            when ranked.tenant_customers = 1 then 3
            else least(5, 1 + cast(floor(
                cast(5 * (ranked.monetary_rank - 1) as {{ type_double() }}) / (ranked.tenant_customers - 1)
            ) as {{ dbt.type_int() }}))
        end as m_score
    from ranked
),

matches as (
    select
        scored.tenant_id,
        scored.customer_id,
        segments.segment,
        row_number() over (
            partition by scored.tenant_id, scored.customer_id order by segments.segment_order
        ) as match_rank
    from scored
    inner join segments
        on scored.r_score between segments.r_min and segments.r_max
        and scored.f_score between segments.f_min and segments.f_max
        and scored.m_score between segments.m_min and segments.m_max
),

final as (
    select
        {{ surrogate_key(['scored.tenant_id', 'scored.customer_id']) }} as customer_rfm_key,
        scored.tenant_id,
        scored.customer_id,
        scored.rfm_as_of_date,
        scored.last_order_date,
        scored.recency_days,
        scored.frequency,
        {{ as_money('scored.monetary') }} as monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ dbt.concat(["cast(scored.r_score as " ~ dbt.type_string() ~ ")",
                       "cast(scored.f_score as " ~ dbt.type_string() ~ ")",
                       "cast(scored.m_score as " ~ dbt.type_string() ~ ")"]) }} as rfm_cell,
        coalesce(matches.segment, 'other') as segment
    from scored
    left join matches
        on scored.tenant_id = matches.tenant_id
        and scored.customer_id = matches.customer_id
        and matches.match_rank = 1
)

select * from final
