-- Executive: web funnel steps by day (all devices and sources), last 30 days
select session_date, sum(sessions) as sessions, sum(product_view_sessions) as product_view_sessions,
       sum(add_to_cart_sessions) as add_to_cart_sessions, sum(purchase_sessions) as purchase_sessions
from marts.web_funnel_daily
where tenant_id = %(tenant_id)s and session_date >= %(since_day)s
group by session_date
order by session_date
