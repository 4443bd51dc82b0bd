-- Executive: daily revenue, orders and conversion with growth, last 30 days
select period_start, revenue_usd, orders, average_order_value_usd, conversion_rate, revenue_growth
from marts.period_kpis
where tenant_id = %(tenant_id)s and period_type = 'day' and period_start >= %(since_day)s
order by period_start
