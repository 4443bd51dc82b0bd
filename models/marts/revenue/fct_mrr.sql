{#- MRR per tenant, billing customer and month with its movement
    (docs/contracts/marts.md). Rows run from the customer's first month with
    MRR through the last complete month, or through the churn month for a
    customer who has not come back; gap months are present as `inactive`.
    Month ranges are derived per customer, never as customers x all months.
    An expansion splits into cross-sell (MRR on product lines the customer had
    none of the month before, at most the expansion) and upsell (the rest). -#}
-- BigQuery: partitioned by month (a partition per month),
-- clustered by tenant (then movement): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'movement'] if target.type == 'bigquery' else none),
    )
}}
with

customer_mrr as (select * from {{ ref('int_customer_mrr_by_month') }}),

product_line_mrr as (select * from {{ ref('int_customer_product_line_mrr_by_month') }}),

months as (select * from {{ ref('util_months') }}),

customer_spans as (
    select
        tenant_id,
        customer_id,
        min(month) as first_month,
        max(month) as last_active_month
    from customer_mrr
    group by tenant_id, customer_id
),

spans_to_churn as (
    -- one month past the last active one is the churn month (unless still active)
    select
        customer_spans.tenant_id,
        customer_spans.customer_id,
        customer_spans.first_month,
        case
            when customer_spans.last_active_month >= {{ last_complete_month() }}
                then customer_spans.last_active_month
            else cast({{ dbt.dateadd('month', 1, 'customer_spans.last_active_month') }} as date)
        end as last_month
    from customer_spans
),

customer_months as (
    select
        spans_to_churn.tenant_id,
        spans_to_churn.customer_id,
        months.month,
        cast(coalesce(customer_mrr.mrr, 0) as numeric(18, 4)) as mrr
    from spans_to_churn
    inner join months
        on months.month between spans_to_churn.first_month and spans_to_churn.last_month
    left join customer_mrr
        on spans_to_churn.tenant_id = customer_mrr.tenant_id
        and spans_to_churn.customer_id = customer_mrr.customer_id
        and months.month = customer_mrr.month
),

with_history as (
    select
        customer_months.*,
        cast(coalesce(lag(customer_months.mrr) over (
            partition by customer_months.tenant_id, customer_months.customer_id order by customer_months.month
        ), 0) as numeric(18, 4)) as previous_mrr,
        coalesce(max(customer_months.mrr) over (
            partition by customer_months.tenant_id, customer_months.customer_id order by customer_months.month
            rows between unbounded preceding and 1 preceding
        ), 0) as greatest_earlier_mrr
    from customer_months
),

with_movement as (
    select
        tenant_id,
        customer_id,
        month,
        mrr,
        previous_mrr,
        cast(mrr - previous_mrr as numeric(18, 4)) as mrr_change,
        case
            when previous_mrr = 0 and mrr > 0 and greatest_earlier_mrr = 0 then 'new'
            when previous_mrr = 0 and mrr > 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            when previous_mrr > 0 and mrr > previous_mrr then 'expansion'
            when previous_mrr > 0 and mrr < previous_mrr then 'contraction'
            when previous_mrr > 0 then 'flat'
            else 'inactive'
        end as movement,
        mrr > 0 as is_active
    from with_history
),

new_line_mrr as (
    -- MRR on product lines the customer had no MRR on the month before
    select
        current_lines.tenant_id,
        current_lines.customer_id,
        current_lines.month,
        sum(current_lines.mrr) as new_line_mrr
    from product_line_mrr as current_lines
    left join product_line_mrr as previous_lines
        on current_lines.tenant_id = previous_lines.tenant_id
        and current_lines.customer_id = previous_lines.customer_id
        and current_lines.product_line = previous_lines.product_line
        and previous_lines.month = cast({{ dbt.dateadd('month', -1, 'current_lines.month') }} as date)
    where previous_lines.customer_id is null
    group by current_lines.tenant_id, current_lines.customer_id, current_lines.month
),

with_cross_sell as (
    -- an expansion is cross-sell up to the MRR of its new product lines (never more than
    -- the expansion itself: a new line bought while an old one shrank is partly a swap)
    select
        with_movement.*,
        cast(case
            when with_movement.movement <> 'expansion' then 0
            when coalesce(new_line_mrr.new_line_mrr, 0) < with_movement.mrr_change
                then coalesce(new_line_mrr.new_line_mrr, 0)
            else with_movement.mrr_change
        end as numeric(18, 4)) as cross_sell_mrr
    from with_movement
    left join new_line_mrr
        on with_movement.tenant_id = new_line_mrr.tenant_id
        and with_movement.customer_id = new_line_mrr.customer_id
        and with_movement.month = new_line_mrr.month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'customer_id', 'month']) }} as customer_month_key,
        tenant_id,
        customer_id,
        month,
        mrr,
        previous_mrr,
        mrr_change,
        movement,
        is_active,
        -- the rest of an expansion is upsell: upsell + cross-sell = the expansion's mrr_change
        cast(case when movement = 'expansion' then mrr_change - cross_sell_mrr else 0 end as numeric(18, 4))
            as upsell_mrr,
        cross_sell_mrr
    from with_cross_sell
)

select * from final
