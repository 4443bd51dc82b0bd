-- Sales: leads, qualified leads and deals won per day, last 30 days (the chart "Leads and deals, last 30 days")
select period_start, leads, qualified_leads, deals_won
from marts.period_kpis
where tenant_id = %(tenant_id)s and period_type = 'day' and period_start >= %(since_day)s
order by period_start
