-- Sales: open and weighted pipeline, win rates, deal size and cycle by month
select month, opportunity_type, open_pipeline_usd, weighted_pipeline_usd, win_rate_by_count,
       average_deal_size_usd, avg_sales_cycle_days
from marts.sales_pipeline_monthly
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month, opportunity_type
