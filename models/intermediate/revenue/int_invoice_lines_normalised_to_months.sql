{#- Recurring invoice lines that count for MRR (docs/contracts/marts.md), each
    with its amount normalised to one month in its own currency, and the span
    of months whose last day its service period contains.

    A period [start, end) contains the last day of month M exactly when
    month(start) <= M <= month(end) - 1 month: the first month-end on or after
    the start is in the start's own month, and the last month-end before the
    end is in the month before the end's. Lines covering no month-end (a
    mid-month stub) get no months. Days are compared as dates (DECISIONLOG.md). -#}
with

invoice_lines as (select * from {{ ref('stg_billing__invoice_line_items') }}),

invoices as (select * from {{ ref('stg_billing__invoices') }}),

prices as (select * from {{ ref('stg_billing__prices') }}),

recurring_lines as (
    select
        invoice_lines.tenant_id,
        invoices.customer_id,
        invoice_lines.invoice_line_item_id,
        invoice_lines.invoice_id,
        invoice_lines.subscription_id,
        invoice_lines.price_id,
        prices.product_id,
        invoice_lines.currency,
        invoice_lines.amount - invoice_lines.discount_amount as net_amount,
        prices.recurring_interval,
        prices.recurring_interval_count,
        cast(invoice_lines.period_start_at as date) as service_start_date,
        cast(invoice_lines.period_end_at as date) as service_end_date
    from invoice_lines
    inner join invoices
        on invoice_lines.tenant_id = invoices.tenant_id
        and invoice_lines.invoice_id = invoices.invoice_id
    inner join prices
        on invoice_lines.tenant_id = prices.tenant_id
        and invoice_lines.price_id = prices.price_id
    where
        invoice_lines.line_type = 'subscription'
        and not coalesce(invoice_lines.is_proration, false)
        and invoices.status not in ('void', 'draft', 'uncollectible')
),

normalised as (
    select
        recurring_lines.*,
        case recurring_lines.recurring_interval
            when 'month' then recurring_lines.net_amount / recurring_lines.recurring_interval_count
            when 'year' then recurring_lines.net_amount / (12 * recurring_lines.recurring_interval_count)
            when 'week' then recurring_lines.net_amount * 52 / 12 / recurring_lines.recurring_interval_count
            when 'day' then recurring_lines.net_amount * 365 / 12 / recurring_lines.recurring_interval_count
        end as monthly_amount_raw,
        cast({{ dbt.date_trunc('month', 'service_start_date') }} as date) as first_month,
        cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'service_end_date')) }} as date) as last_month
    from recurring_lines
),

-- a defined scale: six decimals of the currency's major unit
rounded as (
    select
        normalised.*,
        cast(round(normalised.monthly_amount_raw, 6) as numeric(20, 6)) as monthly_amount
    from normalised
)

select * from rounded
