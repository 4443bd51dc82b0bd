{#- The store's repeat-customer rate per tenant and month: of the customers
    with a paid order in the month, those for whom one of the month's orders
    was not their first paid order (they had bought in an earlier month, or
    bought twice in their first one). Guests have no customer and are left
    out. The running month is shown, month to date, with is_complete false. -#}
with

paid_months as (select * from {{ ref('int_customer_paid_months') }}),

by_month as (
    select
        tenant_id,
        activity_month as month,
        count(*) as ordering_customers,
        sum(case when month_number > 0 or paid_orders > 1 then 1 else 0 end) as repeat_customers
    from paid_months
    group by tenant_id, activity_month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month']) }} as repeat_month_key,
        tenant_id,
        month,
        {{ is_complete_period('month', 'month') }} as is_complete,
        ordering_customers,
        repeat_customers,
        {{ safe_divide('repeat_customers', 'ordering_customers') }} as repeat_customer_rate
    from by_month
)

select * from final
