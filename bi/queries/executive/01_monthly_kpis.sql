-- Executive: the monthly scorecard
select month, mrr, arr, mrr_growth_rate, net_revenue_retention, store_revenue_usd, store_orders,
       conversion_rate, win_rate, at_risk_mrr
from marts.executive_kpis
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
