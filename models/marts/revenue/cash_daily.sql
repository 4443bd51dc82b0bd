{#- The billing cash overview per tenant and day, in USD at the rate of the
    month each amount belongs to (the day's month, int_fx_rates_by_month):
    - invoiced: invoices issued that day (created_at), every status but draft
      and void (an uncollectible invoice was billed, so it counts here);
    - collected: succeeded payments that day; refunded: the amount_refunded
      of those payments (the source keeps no refund date, so a refund sits on
      its payment's day);
    - failed: failed payment attempts that day, and their recovery: a failed
      attempt is recovered when a succeeded payment on the same invoice was
      created after it. Recovery is judged with everything loaded so far, so
      the latest days' rates still rise as dunning retries succeed.
    Days run from the tenant's first invoice or payment through the day before
    as_of_date, zeros included; pending payments count nowhere until settled. -#}
with

payments as (select * from {{ ref('stg_billing__payments') }}),

invoices as (select * from {{ ref('stg_billing__invoices') }}),

days as (select * from {{ ref('util_days') }}),

payments_in_usd as (
    select
        payments.tenant_id,
        payments.payment_id,
        payments.invoice_id,
        payments.status,
        payments.created_at,
        cast(payments.created_at as date) as payment_date,
        {{ as_money(to_usd('payments.amount')) }} as amount_usd,
        {{ as_money(to_usd('coalesce(payments.amount_refunded, 0)')) }} as amount_refunded_usd
    from payments
    {{ fx_rates_join('payments.currency', "cast(" ~ dbt.date_trunc('month', 'payments.created_at') ~ " as date)") }}
),

failed_payments_recovered as (
    -- one row per failed attempt; recovered when any later succeeded payment settles its invoice
    select
        failed.tenant_id,
        failed.payment_id,
        failed.payment_date,
        failed.amount_usd,
        max(case when succeeded.payment_id is not null then 1 else 0 end) as is_recovered
    from payments_in_usd as failed
    left join payments_in_usd as succeeded
        on failed.tenant_id = succeeded.tenant_id
        and failed.invoice_id = succeeded.invoice_id
        and succeeded.status = 'succeeded'
        and failed.created_at < succeeded.created_at
    where failed.status = 'failed'
    group by failed.tenant_id, failed.payment_id, failed.payment_date, failed.amount_usd
),

invoices_by_day as (
    select
        invoices.tenant_id,
        cast(invoices.created_at as date) as day,
        count(*) as invoices_issued,
        sum({{ as_money(to_usd('invoices.total')) }}) as invoiced_usd
    from invoices
    {{ fx_rates_join('invoices.currency', "cast(" ~ dbt.date_trunc('month', 'invoices.created_at') ~ " as date)") }}
    where invoices.status not in ('draft', 'void')
    group by invoices.tenant_id, cast(invoices.created_at as date)
),

collections_by_day as (
    select
        tenant_id,
        payment_date as day,
        count(*) as payments_collected,
        sum(amount_usd) as collected_usd,
        sum(case when amount_refunded_usd > 0 then 1 else 0 end) as payments_refunded,
        sum(amount_refunded_usd) as refunded_usd
    from payments_in_usd
    where status = 'succeeded'
    group by tenant_id, payment_date
),

failures_by_day as (
    select
        tenant_id,
        payment_date as day,
        count(*) as failed_payments,
        sum(amount_usd) as failed_usd,
        sum(is_recovered) as recovered_payments,
        sum(case when is_recovered = 1 then amount_usd else 0 end) as recovered_usd
    from failed_payments_recovered
    group by tenant_id, payment_date
),

activity_days as (
    select
        tenant_id,
        day
    from invoices_by_day
    union all
    select
        tenant_id,
        day
    from collections_by_day
    union all
    select
        tenant_id,
        day
    from failures_by_day
),

tenant_first_days as (
    select
        tenant_id,
        min(day) as first_day
    from activity_days
    group by tenant_id
),

spine as (
    select
        tenant_first_days.tenant_id,
        days.day
    from tenant_first_days
    inner join days
        on tenant_first_days.first_day <= days.day
),

joined as (
    select
        spine.tenant_id,
        spine.day,
        coalesce(invoices_by_day.invoices_issued, 0) as invoices_issued,
        coalesce(invoices_by_day.invoiced_usd, 0) as invoiced_usd,
        coalesce(collections_by_day.payments_collected, 0) as payments_collected,
        coalesce(collections_by_day.collected_usd, 0) as collected_usd,
        coalesce(collections_by_day.payments_refunded, 0) as payments_refunded,
        coalesce(collections_by_day.refunded_usd, 0) as refunded_usd,
        coalesce(failures_by_day.failed_payments, 0) as failed_payments,
        coalesce(failures_by_day.failed_usd, 0) as failed_usd,
        coalesce(failures_by_day.recovered_payments, 0) as recovered_payments,
        coalesce(failures_by_day.recovered_usd, 0) as recovered_usd
    from spine
    left join invoices_by_day
        on spine.tenant_id = invoices_by_day.tenant_id
        and spine.day = invoices_by_day.day
    left join collections_by_day
        on spine.tenant_id = collections_by_day.tenant_id
        and spine.day = collections_by_day.day
    left join failures_by_day
        on spine.tenant_id = failures_by_day.tenant_id
        and spine.day = failures_by_day.day
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'day']) }} as cash_day_key,
        tenant_id,
        day,
        invoices_issued,
        {{ as_money('invoiced_usd') }} as invoiced_usd,
        payments_collected,
        {{ as_money('collected_usd') }} as collected_usd,
        payments_refunded,
        {{ as_money('refunded_usd') }} as refunded_usd,
        {{ as_money('collected_usd - refunded_usd') }} as net_collected_usd,
        failed_payments,
        {{ as_money('failed_usd') }} as failed_usd,
        recovered_payments,
        {{ as_money('recovered_usd') }} as recovered_usd,
        {{ safe_divide('recovered_payments', 'failed_payments') }} as payment_recovery_rate,
        {{ safe_divide('recovered_usd', 'failed_usd') }} as amount_recovery_rate
    from joined
)

select * from final
