-- Sales: lead funnel by cohort month and source, last 12 months
select cohort_month, lead_source, leads, qualified, proposal, won, customer, lead_to_customer_rate
from marts.sales_funnel
where tenant_id = %(tenant_id)s and cohort_month >= %(since_month)s
order by cohort_month, lead_source
