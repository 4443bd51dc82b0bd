{#- Per tenant and RFM segment: customers, their share of the tenant's
    customers and of its RFM revenue, and average recency, frequency and
    monetary value. -#}
with

rfm as (select * from {{ ref('customer_rfm') }}),

by_segment as (
    select
        tenant_id,
        segment,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(cast(recency_days as {{ type_double() }})) as average_recency_days,
        avg(cast(frequency as {{ type_double() }})) as average_frequency,
        avg(monetary) as average_monetary
    from rfm
    group by tenant_id, segment
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'segment']) }} as tenant_segment_key,
        by_segment.tenant_id,
        by_segment.segment,
        by_segment.customers,
        {{ as_money('by_segment.revenue') }} as revenue,
        {{ safe_divide('by_segment.customers', 'sum(by_segment.customers) over (partition by by_segment.tenant_id)') }}
            as customer_share,
        {{ safe_divide('by_segment.revenue', 'sum(by_segment.revenue) over (partition by by_segment.tenant_id)') }}
            as revenue_share,
        by_segment.average_recency_days,
        by_segment.average_frequency,
        {{ as_money('by_segment.average_monetary') }} as average_monetary
    from by_segment
)

select * from final
