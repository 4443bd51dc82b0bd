{#- One row per MRR-bearing invoice line and month whose last day its service
    period contains, in USD at that month's rate (or the
    documented fallback, int_fx_rates_by_month). Each line only meets the
    months it covers (no customer x month cross join). -#}
with

lines as (select * from {{ ref('int_invoice_lines_normalised_to_months') }}),

months as (select * from {{ ref('util_months') }}),

lines_by_month as (
    select
        lines.tenant_id,
        lines.customer_id,
        lines.invoice_line_item_id,
        lines.subscription_id,
        lines.price_id,
        lines.product_id,
        lines.currency,
        months.month,
        lines.monthly_amount,
        fx_rates.rate_to_usd,
        fx_rates.fx_rate_month,
        fx_rates.fx_rate_source,
        {{ to_usd('lines.monthly_amount') }} as mrr_usd
    from lines
    inner join months
        on months.month between lines.first_month and lines.last_month
    {{ fx_rates_join('lines.currency', 'months.month') }}
)

select * from lines_by_month
