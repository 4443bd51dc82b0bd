-- Sales: top performers of the latest month
select full_name, team, deals_won, won_amount_usd, win_rate, median_sales_cycle_days
from marts.sales_rep_performance_monthly
where tenant_id = %(tenant_id)s
  and month = (select max(month) from marts.sales_rep_performance_monthly where tenant_id = %(tenant_id)s)
order by won_amount_rank
limit 10
